/**
 * Options of one job, as a handler or a job definition sets them. They map one to one onto
 * BullMQ's own job options; core declares them so `ctx.enqueue` can be typed without
 * depending on the job runner.
 */
import type { KeepJobs } from 'bullmq';
import type { z } from 'zod';

/** BullMQ's job options that a job definition or a single enqueue may set. */
export interface JobOptions {
  /** Tries before the job fails for good. @defaultValue 3 */
  attempts?: number;
  /** Wait between tries. @defaultValue `{ type: 'exponential', delay: 1000 }` */
  backoff?: number | { type: 'fixed' | 'exponential'; delay: number };
  /** Run no sooner than this many ms from now (a driver "arrives" in 4 minutes). */
  delay?: number;
  /** Lower numbers run first; 0 means no priority. */
  priority?: number;
  /** Keep finished jobs for this long (s) or this many; `true` removes at once. @defaultValue `{ age: 86400 }` */
  removeOnComplete?: boolean | number | KeepJobs;
  /** Keep failed jobs for this long (s) or this many, to inspect them. @defaultValue `{ age: 604800 }` */
  removeOnFail?: boolean | number | KeepJobs;
  /** A job id: a second enqueue with the same id while the first is kept is ignored. */
  jobId?: string;
  /** BullMQ de-duplication: ignore enqueues with the same id for `ttl` ms. */
  deduplication?: { id: string; ttl?: number };
}

/** A job as `ctx.enqueue` needs to know it: its name and the schema of its data. */
export interface JobRef<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
}
