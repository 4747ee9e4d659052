/**
 * The BullMQ queues of a deployment, named the way the runtime names them: inbound partitions
 * (`inbound-<n>`), one queue per job (`job-<name>`, flow timeouts included), and delivery
 * partitions per bot and platform (`delivery-<platform>-<bot>-<n>`). Derived from the
 * configuration alone, so the runtime (metrics, readiness, the queues UI) and `kiosk queues`
 * list the same queues without scanning Redis (which a Redis Cluster would make per node).
 */
import type { KioskConfig } from './config/schema';
import { deliveryQueueName } from './delivery/queue-names';
import { flowTimeout } from './flow/timeout-job';
import { jobQueueName } from './jobs/define-job';
import { inboundQueueName } from './jobs/partition';

/** Delivery partitions per bot and platform when `createKiosk({ delivery: { partitions } })` does not say. */
export const DEFAULT_DELIVERY_PARTITIONS = 4;

/** One queue of the deployment, with what its name was made of. */
export type KioskQueue =
  | { kind: 'inbound'; name: string; partition: number }
  | { kind: 'job'; name: string; job: string }
  | { kind: 'delivery'; name: string; bot: string; platform: string; partition: number };

/** What the list is derived from: the configuration, the jobs and the delivery partitions. */
export interface QueueListSource {
  config: Pick<KioskConfig, 'inboundPartitions' | 'bots'>;
  jobs?: ReadonlyArray<{ name: string }>;
  delivery?: { partitions?: number };
}

/**
 * Every queue of a deployment, inbound first, then jobs, then delivery.
 *
 * @example
 * ```ts
 * kioskQueues({ config, jobs }).map((q) => q.name); // ['inbound-0', …, 'job-taxi.dispatch', …, 'delivery-telegram-taxi-0', …]
 * ```
 */
export function kioskQueues(source: QueueListSource): KioskQueue[] {
  const inbound = Array.from({ length: source.config.inboundPartitions }, (_, partition): KioskQueue => ({ kind: 'inbound', name: inboundQueueName(partition), partition }));
  const jobNames = [...new Set([...(source.jobs ?? []).map((job) => job.name), flowTimeout.name])];
  const jobs = jobNames.map((job): KioskQueue => ({ kind: 'job', name: jobQueueName(job), job }));
  const partitions = source.delivery?.partitions ?? DEFAULT_DELIVERY_PARTITIONS;
  const delivery = Object.entries(source.config.bots).flatMap(([bot, c]) =>
    Object.keys(c.platforms).flatMap((platform) =>
      Array.from({ length: partitions }, (_, partition): KioskQueue => ({ kind: 'delivery', name: deliveryQueueName(platform, bot, partition), bot, platform, partition })),
    ),
  );
  return [...inbound, ...jobs, ...delivery];
}
