/** Opening the deployment's queues by name for `kiosk queues`; the list itself is `framework/queue-list.ts`. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KioskOptions } from '../kiosk';
import { kioskQueues } from '../queue-list';
import { UsageError } from './command';

export { kioskQueues, type KioskQueue } from '../queue-list';

/** Open one queue by name, refusing names that are not the deployment's. */
export function openQueue(app: KioskOptions, name: string, connection: Redis, command: string): Queue {
  if (!kioskQueues(app).some((q) => q.name === name)) {
    throw new UsageError(`no queue "${name}" in this deployment; \`kiosk queues\` lists them`, command);
  }
  const queue = new Queue(name, { connection, prefix: app.config.prefix });
  queue.on('error', () => undefined);
  return queue;
}
