/**
 * The durable inbound queue: every verified update is added here before its webhook is
 * answered, and handled by a bot in whichever worker process takes it.
 *
 * Order: updates of one chat share a partition queue whose global concurrency is 1, so the
 * cluster handles one update of a chat at a time, in the order they were queued. A handler
 * whose error escapes `bot.catch` makes its job fail and be retried after a backoff; other
 * updates of that partition are handled meanwhile, so a retried update may run after later
 * updates of the same chat. Updates of a process that dies are stalled jobs: BullMQ moves
 * them back to the queue and another worker handles them in order.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { PayloadError, StoreUnavailableError } from '../core/errors';
import type { Update } from '../core/update';
import { inboundJobId, inboundQueueName, partitionOf } from './partition';
import { outOfAttempts } from './attempts';

/** Options of the inbound queue, shared by producers (web) and consumers (workers). */
export interface InboundOptions {
  /** BullMQ key prefix; wrap it in braces (`{kiosk}`) on a Redis Cluster. */
  prefix: string;
  /** Number of partition queues. Every process of a deployment must use the same number. @defaultValue 16 */
  partitions: number;
  /**
   * How long a handled update's id keeps refusing a retried webhook, in seconds. Platforms
   * retry for minutes to hours; a retry after this is handled again. @defaultValue 86400
   */
  dedupeSeconds?: number;
  /** How long an update whose handler failed for good stays inspectable, in seconds. @defaultValue 604800 (7 days) */
  keepFailedSeconds?: number;
  /** Attempts for an update whose handler throws past `bot.catch`. @defaultValue 3 */
  attempts?: number;
  /** Longest wait for Redis before a webhook is answered 503, in ms. @defaultValue 3000 */
  addTimeoutMs?: number;
}

/** The producer side: what the webhook route calls. */
export interface InboundProducer {
  /** Queue updates durably; resolves once they are in Redis. Throws `StoreUnavailableError` otherwise. */
  add(updates: Update[]): Promise<void>;
  /** Make each partition handle one update at a time across the cluster. Idempotent. */
  ensureOrdering(): Promise<void>;
  /** The partition queues, for inspection and admin. */
  readonly queues: readonly Queue[];
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what} took longer than ${ms} ms; is Redis reachable?`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Create the producer side of the inbound queue on a connection made with
 * `enableOfflineQueue: false`, so adds fail at once when Redis is down, and
 * `enableAutoPipelining: true`, so the adds of concurrent webhooks go to Redis together.
 *
 * Each update is one `Queue.add`; on an auto-pipelined connection ioredis sends every command
 * of an event-loop turn, whatever its partition, in one write. That batches concurrent
 * requests better than one `addBulk` per partition (16 pipelines, 16 writes a turn): about
 * half the CPU per add (bench/README.md, `bench:ingest-parts`).
 */
export function createInboundProducer(connection: Redis, options: InboundOptions): InboundProducer {
  const dedupeSeconds = options.dedupeSeconds ?? 86_400;
  const attempts = options.attempts ?? 3;
  const addTimeoutMs = options.addTimeoutMs ?? 3000;
  const queues = Array.from({ length: options.partitions }, (_, p) => {
    const queue = new Queue(inboundQueueName(p), { connection, prefix: options.prefix });
    // Errors surface through add(); without a listener they would be printed by the emitter.
    queue.on('error', () => undefined);
    return queue;
  });

  const removeOnComplete = { age: dedupeSeconds };
  const removeOnFail = { age: options.keepFailedSeconds ?? 7 * 86_400 };
  const backoff = { type: 'exponential', delay: 1000 };
  // Updates of one request are added in order, so one chat's updates keep their order in its partition.
  const enqueue = (update: Update) =>
    queues[partitionOf(update, options.partitions)]!.add(`${update.platform}.${update.kind}`, update, {
      jobId: inboundJobId(update),
      attempts,
      backoff,
      removeOnComplete,
      removeOnFail,
    });

  return {
    queues,
    async add(updates) {
      if (updates.length === 0) return;
      if (connection.status !== 'ready') {
        throw new StoreUnavailableError(`Redis connection is ${connection.status}; the platform should retry.`);
      }
      const adds = updates.map(enqueue);
      try {
        await withTimeout(Promise.all(adds), addTimeoutMs, 'Queueing the update');
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw error;
        // BullMQ serialises the update in `add`: a stack overflow there is an update nested
        // thousands deep, the sender's fault (400), not Redis being down (503, retried for ever).
        // Each update is its own add, so it fails alone, never the updates of other requests.
        if (error instanceof RangeError) {
          throw new PayloadError('The update cannot be stored: it is nested too deeply; send a flatter payload.', [], { cause: error });
        }
        throw new StoreUnavailableError('Could not queue the update in Redis; the platform should retry.', { cause: error });
      }
    },
    async ensureOrdering() {
      await Promise.all(queues.map((queue) => queue.setGlobalConcurrency(1)));
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}

/** Options of the consumer side. */
export interface InboundWorkerOptions extends InboundOptions {
  /** Handle one update; throwing fails the job, which is retried. */
  handle(update: Update, job: Job<Update>): Promise<void>;
  /** Called when an update's job fails (for logging); `final` when no attempt is left. */
  onFailed?(update: Update | undefined, error: Error, final: boolean): void;
  /** How long a worker holds a job before it counts as stalled, in ms. @defaultValue 30000 */
  lockDuration?: number;
  /** How often stalled jobs are looked for, in ms. @defaultValue 30000 */
  stalledInterval?: number;
}

/** The consumer side: one BullMQ worker per partition. */
export interface InboundConsumer {
  readonly workers: readonly Worker[];
  /** Stop taking updates; waits for the ones being handled. */
  close(): Promise<void>;
}

/**
 * Start handling inbound updates. The connection must have `maxRetriesPerRequest: null`
 * (BullMQ's rule for workers); each worker duplicates it for its blocking reads.
 */
export function startInboundConsumer(connection: Redis, options: InboundWorkerOptions): InboundConsumer {
  const workers = Array.from({ length: options.partitions }, (_, p) => {
    const worker = new Worker<Update>(inboundQueueName(p), (job) => options.handle(job.data, job), {
      connection,
      prefix: options.prefix,
      concurrency: 1,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
    });
    worker.on('failed', (job, error) => options.onFailed?.(job?.data, error, !job || outOfAttempts(job)));
    worker.on('error', () => undefined);
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
