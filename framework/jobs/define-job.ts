/**
 * Typed, durable jobs. A handler hands slow work (dispatch a taxi, issue a bill) to a job;
 * a worker process runs it with BullMQ's retries, backoff, delays and schedules. The job's
 * data is validated with its zod schema when it is enqueued and again when it is processed.
 */
import type { z } from 'zod';
import type { JobOptions, JobRef } from '../core/job-options';
import type { OutboundMessage } from '../core/outbound';
import { PayloadError } from '../core/errors';

export type { JobOptions } from '../core/job-options';
import type { Conversation } from '../core/update';
import type { JobFlow } from './job-producer';

/** What a job handler gets: its data, the customer it works for, and ways to report back. */
export interface JobContext<D> {
  /** The job's data, validated against its schema. */
  readonly data: D;
  /** The job's id in its queue. */
  readonly id: string;
  /** Tries made before this one. */
  readonly attemptsMade: number;
  /** The customer's conversation, when the job was enqueued from a handler or given one. */
  readonly conversation: Conversation | undefined;
  /**
   * Tell the customer something: a template name such as `'taxi/assigned'` with its data,
   * a plain text, or a whole message. Idempotent per job: a retried job does not repeat a
   * notification it already sent.
   */
  notify(content: string | OutboundMessage, data?: Record<string, unknown>): Promise<void>;
  /** Report progress, visible in the queue admin. */
  progress(value: number | Record<string, unknown>): Promise<void>;
  /** Enqueue a follow-up job for the same customer. */
  enqueue<S extends z.ZodType>(job: JobRef<S>, data: z.input<S>, options?: JobOptions): Promise<string>;
  /** Enqueue a job with children it waits for, for the same customer; resolves to the parent's id. */
  enqueueFlow(flow: JobFlow): Promise<string>;
  /** The results of this job's children, by child job key, once they have completed. */
  childrenResults(): Promise<Record<string, unknown>>;
  /** Whether this run follows an earlier one that failed or whose process died. */
  readonly isRetry: boolean;
}

/** A job's definition: name, schema, handler, defaults. */
export interface JobDefinition<S extends z.ZodType = z.ZodType, R = unknown> extends JobOptions {
  /** Unique name, such as `'taxi.dispatch'`: letters, digits, `.`, `_` and `-`. */
  readonly name: string;
  /** Schema of the job's data. */
  readonly schema: S;
  /** Does the work; throwing makes BullMQ retry it until `attempts` are used. */
  handler(job: JobContext<z.infer<S>>): Promise<R>;
  /** Jobs of this kind run at once per worker process. @defaultValue 5 */
  concurrency?: number;
  /**
   * What the customer is told when the job has failed for good: a template name, a text, or
   * `false` for nothing. @defaultValue `'kiosk/job-failed'` (a built-in text in en, fr, zh)
   */
  onFailure?: string | false;
}

/**
 * Define a typed job.
 *
 * @example
 * ```ts
 * export const dispatch = defineJob({
 *   name: 'taxi.dispatch',
 *   schema: z.object({ pickup: z.string(), destination: z.string() }),
 *   attempts: 5,
 *   async handler(job) {
 *     const driver = await dispatcher.assign(job.data.pickup);
 *     await job.notify('taxi/assigned', { driver });
 *   },
 * });
 * ```
 */
export function defineJob<S extends z.ZodType, R>(definition: JobDefinition<S, R>): JobDefinition<S, R> {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(definition.name)) {
    throw new TypeError(`Job name "${definition.name}" is invalid: use letters, digits, '.', '_' or '-' (it names a queue).`);
  }
  return definition;
}

/** Validate job data against its schema, naming the field that does not fit. */
export function validateJobData<S extends z.ZodType>(job: JobRef<S>, data: unknown): z.infer<S> {
  const parsed = job.schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PayloadError(`Job "${job.name}" data is invalid: ${issue.message}`, issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)));
  }
  return parsed.data;
}

/** The name of a job's queue. */
export function jobQueueName(name: string): string {
  return `job-${name}`;
}
