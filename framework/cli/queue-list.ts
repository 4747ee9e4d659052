/**
 * The BullMQ queues of a deployment, named the way the runtime names them: inbound partitions
 * (`inbound-<n>`), one queue per job (`job-<name>`), and delivery partitions per bot and
 * platform (`delivery-<platform>-<bot>-<n>`). Derived from the application's configuration,
 * so `kiosk queues` needs no scan of Redis (which a Redis Cluster would make per node).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { deliveryQueueName } from '../delivery/queue-names';
import { flowTimeout } from '../flow/timeout-job';
import { jobQueueName } from '../jobs/define-job';
import { inboundQueueName } from '../jobs/partition';
import type { KioskOptions } from '../kiosk';
import { UsageError } from './command';

/** One queue of the deployment. */
export interface KioskQueue {
  kind: 'inbound' | 'job' | 'delivery';
  name: string;
}

/** Delivery partitions when the application does not say. Keep in step with `createKiosk`. */
const DEFAULT_DELIVERY_PARTITIONS = 4;

/** Every queue of the deployment described by `app`, inbound first, then jobs, then delivery. */
export function kioskQueues(app: KioskOptions): KioskQueue[] {
  const inbound = Array.from({ length: app.config.inboundPartitions }, (_, p) => ({ kind: 'inbound' as const, name: inboundQueueName(p) }));
  const jobNames = [...new Set([...(app.jobs ?? []).map((job) => job.name), flowTimeout.name])];
  const jobs = jobNames.map((name) => ({ kind: 'job' as const, name: jobQueueName(name) }));
  const partitions = app.delivery?.partitions ?? DEFAULT_DELIVERY_PARTITIONS;
  const delivery = Object.entries(app.config.bots).flatMap(([bot, c]) =>
    Object.keys(c.platforms).flatMap((platform) =>
      Array.from({ length: partitions }, (_, p) => ({ kind: 'delivery' as const, name: deliveryQueueName(platform, bot, p) })),
    ),
  );
  return [...inbound, ...jobs, ...delivery];
}

/** Open one queue by name, refusing names that are not the deployment's. */
export function openQueue(app: KioskOptions, name: string, connection: Redis, command: string): Queue {
  if (!kioskQueues(app).some((q) => q.name === name)) {
    throw new UsageError(`no queue "${name}" in this deployment; \`kiosk queues\` lists them`, command);
  }
  const queue = new Queue(name, { connection, prefix: app.config.prefix });
  queue.on('error', () => undefined);
  return queue;
}
