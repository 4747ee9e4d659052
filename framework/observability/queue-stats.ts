/**
 * How Kiosk's queues stand (jobs by state, paused or not), read from Redis for `/metrics` and
 * `/readyz`. Reads are cached for a moment so a scrape and a probe every second cost Redis a
 * few commands per queue, not a storm.
 */
import type { Queue } from 'bullmq';
import { StoreUnavailableError } from '../core/errors';

/** The job states Kiosk reports, as BullMQ names them. */
export const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const;

/** One job state of `JOB_STATES`. */
export type JobStateName = (typeof JOB_STATES)[number];

/** One queue's figures at one moment. */
export interface QueueStats {
  /** The queue's name, e.g. `inbound-3`, `delivery-telegram-taxi-0`, `job-taxi.dispatch`. */
  queue: string;
  /** Jobs in each state. */
  counts: Record<JobStateName, number>;
  /** Whether the queue is paused (Kiosk never pauses a queue itself; an operator did). */
  paused: boolean;
}

/** Options of `createQueueStats`. */
export interface QueueStatsOptions {
  /** How long one reading is reused, ms. @defaultValue 1500 */
  cacheMs?: number;
  /** How long a reading may take before it counts as failed (Redis down), ms. @defaultValue 2000 */
  timeoutMs?: number;
  /**
   * Whether Redis is connected now. While it is not, readings fail at once instead of queueing
   * commands on a connection that waits out the outage. @defaultValue always
   */
  connected?: () => boolean;
}

/** A cached reader of queue figures. */
export interface QueueStatsReader {
  /** The figures of every queue; rejects with `StoreUnavailableError` when Redis does not answer. */
  read(): Promise<QueueStats[]>;
}

async function readOne(queue: Queue): Promise<QueueStats> {
  const [counts, paused] = await Promise.all([queue.getJobCounts(...JOB_STATES), queue.isPaused()]);
  const byState = Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])) as Record<JobStateName, number>;
  return { queue: queue.name, counts: byState, paused };
}

/**
 * Read the figures of the queues `queues()` returns (called at each reading, so queues created
 * later are included), at most once per `cacheMs`.
 *
 * @example
 * ```ts
 * const stats = createQueueStats(() => [...inbound.queues], { cacheMs: 1000 });
 * const paused = (await stats.read()).filter((q) => q.paused);
 * ```
 */
export function createQueueStats(queues: () => readonly Queue[], options: QueueStatsOptions = {}): QueueStatsReader {
  const cacheMs = options.cacheMs ?? 1500;
  const timeoutMs = options.timeoutMs ?? 2000;
  let cached: { at: number; value: Promise<QueueStats[]> } | undefined;

  const load = async (): Promise<QueueStats[]> => {
    if (options.connected && !options.connected()) throw new StoreUnavailableError('Redis is not connected; queue figures cannot be read.');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`Reading queue figures took longer than ${timeoutMs} ms; is Redis reachable?`)), timeoutMs);
    });
    try {
      return await Promise.race([Promise.all(queues().map(readOne)), timeout]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('Could not read queue figures from Redis.', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    read() {
      const now = Date.now();
      if (cached && now - cached.at < cacheMs) return cached.value;
      const value = load();
      cached = { at: now, value };
      // A failed reading is not reused: the next probe asks Redis again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
      return value;
    },
  };
}
