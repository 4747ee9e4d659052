/**
 * Retention: how long Kiosk keeps what it holds about customers, from `config.retention`.
 * Each setting is an upper bound applied where the data is written:
 *
 * - sessions and flow state: the store Kiosk lends to handlers caps every TTL it is given
 *   (a bot's `session({ ttlSeconds })` may be shorter, never longer);
 * - completed and failed jobs: `removeOnComplete` / `removeOnFail` ages of every job
 *   enqueued through Kiosk are capped (a job that keeps a count only gets an age as well);
 * - delivery records: their TTL, and how long a delivered key refuses a duplicate.
 *
 * BullMQ removes finished jobs by age only when another job of the same queue finishes, so a
 * queue that goes quiet keeps its last jobs until its next one; an erasure removes them at once.
 */
import type { KeepJobs } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Retention } from '../config/schema';
import type { JobOptions } from '../core/job-options';
import { RedisFlowStore } from '../flow/redis-store';
import type { FlowState } from '../flow/state';
import type { JobFlow, JobProducer } from '../jobs/job-producer';

const DAY = 86_400;

/** Days in whole seconds (at least one). */
export function daysToSeconds(days: number): number {
  return Math.max(1, Math.round(days * DAY));
}

/**
 * Cap how long BullMQ keeps finished jobs. `true` (remove at once) stays; `false` or nothing
 * (keep forever, or the default) becomes the cap; a count keeps its count and gains the cap.
 *
 * @example
 * ```ts
 * capKeepJobs({ age: 604800 }, 86400); // { age: 86400 }
 * capKeepJobs(100, 86400);             // { age: 86400, count: 100 }
 * ```
 */
export function capKeepJobs(keep: boolean | number | KeepJobs | undefined, maxAgeSeconds: number): true | KeepJobs {
  if (keep === true) return true;
  if (keep === undefined || keep === false) return { age: maxAgeSeconds };
  if (typeof keep === 'number') return { age: maxAgeSeconds, count: keep };
  if (!('age' in keep)) return { age: maxAgeSeconds, count: keep.count };
  return { ...keep, age: Math.min(keep.age, maxAgeSeconds) };
}

/** The job options a job gets under a retention, from its definition's and the call's. */
export function retainedJobOptions<O extends JobOptions>(definition: JobOptions, options: O, retention: Retention): O & { removeOnComplete: true | KeepJobs; removeOnFail: true | KeepJobs } {
  return {
    ...options,
    removeOnComplete: capKeepJobs(options.removeOnComplete ?? definition.removeOnComplete, daysToSeconds(retention.finishedJobDays)),
    removeOnFail: capKeepJobs(options.removeOnFail ?? definition.removeOnFail, daysToSeconds(retention.failedJobDays)),
  };
}

/**
 * A job producer whose jobs (and flows of jobs) are kept no longer than the retention allows.
 * Schedules are not capped: their jobs carry their definition's options (say so in a
 * definition's `removeOnComplete` when it must be shorter).
 */
export function withJobRetention(producer: JobProducer, retention: Retention): JobProducer {
  const retainFlow = (flow: JobFlow): JobFlow => ({
    ...flow,
    options: retainedJobOptions(flow.job as JobOptions, flow.options ?? {}, retention),
    ...(flow.children ? { children: flow.children.map(retainFlow) } : {}),
  });
  return {
    ...producer,
    enqueue: (job, data, options = {}) => producer.enqueue(job, data, retainedJobOptions(job as JobOptions, options, retention)),
    enqueueFlow: (flow, conversation) => producer.enqueueFlow(retainFlow(flow), conversation),
  };
}

/** The delivery producer's and workers' horizons under a retention. */
export function deliveryRetention(retention: Retention): { dedupeSeconds: number; keepFailedSeconds: number } {
  return { dedupeSeconds: daysToSeconds(retention.deliveryRecordDays), keepFailedSeconds: daysToSeconds(retention.failedJobDays) };
}

/**
 * The store Kiosk lends to handlers (sessions and flows), with every TTL capped at
 * `retention.sessionDays`, and a TTL given to values stored without one.
 *
 * @example
 * ```ts
 * const store = new RetainedFlowStore(redis, { prefix: 'kiosk', maxTtlSeconds: 30 * 86400 });
 * ```
 */
export class RetainedFlowStore extends RedisFlowStore {
  readonly #max: number;

  constructor(redis: Redis, options: { prefix: string; maxTtlSeconds: number }) {
    super(redis, options);
    this.#max = Math.max(1, Math.round(options.maxTtlSeconds));
  }

  override set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    return super.set(key, value, ttlSeconds ? Math.min(ttlSeconds, this.#max) : this.#max);
  }

  override writeFlow(key: string, state: FlowState, expectedVersion: number, ttlSeconds: number): Promise<boolean> {
    return super.writeFlow(key, state, expectedVersion, Math.min(ttlSeconds, this.#max));
  }
}
