/**
 * Enqueueing, scheduling and cancelling jobs: one BullMQ queue per job name, so each kind
 * of job has its own concurrency, retries and admin view.
 */
import { FlowProducer, Queue, type FlowJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Conversation } from '../core/update';
import type { JobOptions, JobRef } from '../core/job-options';
import { jobQueueName, validateJobData } from './define-job';

/** What is stored in a job: the validated data and, when there is one, the customer's conversation. */
export interface JobEnvelope<D = unknown> {
  data: D;
  conversation?: Conversation;
  /** The id that follows one message through logs: the inbound job id of the update that led here. */
  correlationId?: string;
}

/** When a scheduled job repeats: a cron pattern (with time zone) or every N ms. */
export type JobRepeat = { pattern: string; tz?: string } | { every: number };

/**
 * A job and the jobs it waits for: BullMQ runs the children first (in any order, on any
 * worker) and the parent once they have all completed; the parent reads their results with
 * `job.childrenResults()`.
 */
export interface JobFlow {
  job: JobRef;
  data: unknown;
  options?: JobOptions;
  children?: JobFlow[];
}

/** Enqueues and manages jobs. */
export interface JobProducer {
  /** Validate and enqueue; throws `PayloadError` naming the field when the data does not fit. */
  enqueue<S extends z.ZodType>(job: JobRef<S>, data: z.input<S>, options?: JobOptions & { conversation?: Conversation; correlationId?: string }): Promise<string>;
  /** Validate every job of a flow and enqueue them together; resolves to the parent's id. */
  enqueueFlow(flow: JobFlow, conversation?: Conversation): Promise<string>;
  /** Remove a job that has not run yet (a cancelled ride's pending updates). Returns whether it was removed. */
  cancel(job: JobRef, id: string): Promise<boolean>;
  /** Create or update a recurring job (a monthly bill run); the id names the schedule. */
  schedule<S extends z.ZodType>(job: JobRef<S>, scheduleId: string, repeat: JobRepeat, data: z.input<S>): Promise<void>;
  /** Remove a schedule. */
  unschedule(job: JobRef, scheduleId: string): Promise<boolean>;
  /** The queue of a job, created on first use. */
  queue(job: JobRef): Queue<JobEnvelope>;
  close(): Promise<void>;
}

const escapeId = (id: string) => id.replace(/%/g, '%25').replace(/:/g, '%3A');

function bullOptions(job: JobRef & JobOptions, options: JobOptions) {
  const merged = { ...pickOptions(job), ...pickOptions(options) };
  return {
    attempts: merged.attempts ?? 3,
    backoff: merged.backoff ?? { type: 'exponential' as const, delay: 1000 },
    removeOnComplete: merged.removeOnComplete ?? { age: 86_400 },
    removeOnFail: merged.removeOnFail ?? { age: 604_800 },
    ...(merged.delay !== undefined ? { delay: merged.delay } : {}),
    ...(merged.priority !== undefined ? { priority: merged.priority } : {}),
    ...(merged.jobId !== undefined ? { jobId: escapeId(merged.jobId) } : {}),
    ...(merged.deduplication !== undefined ? { deduplication: merged.deduplication } : {}),
  };
}

function pickOptions(options: JobOptions): JobOptions {
  const { attempts, backoff, delay, priority, removeOnComplete, removeOnFail, jobId, deduplication } = options;
  const picked: JobOptions = { attempts, backoff, delay, priority, removeOnComplete, removeOnFail, jobId, deduplication };
  for (const key of Object.keys(picked) as Array<keyof JobOptions>) if (picked[key] === undefined) delete picked[key];
  return picked;
}

/** Create the job producer on a connection. */
export function createJobProducer(connection: Redis, prefix: string): JobProducer {
  const queues = new Map<string, Queue<JobEnvelope>>();
  const queue = (job: JobRef) => {
    let q = queues.get(job.name);
    if (!q) {
      q = new Queue<JobEnvelope>(jobQueueName(job.name), { connection, prefix });
      q.on('error', () => undefined);
      queues.set(job.name, q);
    }
    return q;
  };
  let flows: FlowProducer | undefined;
  const toFlowJob = (flow: JobFlow, conversation: Conversation | undefined): FlowJob => {
    const envelope: JobEnvelope = { data: validateJobData(flow.job, flow.data) };
    if (conversation) envelope.conversation = conversation;
    const { deduplication: _ignored, ...opts } = bullOptions(flow.job, flow.options ?? {});
    const node: FlowJob = { name: flow.job.name, queueName: jobQueueName(flow.job.name), prefix, data: envelope, opts };
    return flow.children?.length ? { ...node, children: flow.children.map((child) => toFlowJob(child, conversation)) } : node;
  };
  return {
    queue,
    async enqueueFlow(flow, conversation) {
      const tree = toFlowJob(flow, conversation);
      flows ??= new FlowProducer({ connection, prefix });
      const node = await flows.add(tree);
      return node.job.id!;
    },
    async enqueue(job, data, options = {}) {
      const envelope: JobEnvelope = { data: validateJobData(job, data) };
      if (options.conversation) envelope.conversation = options.conversation;
      if (options.correlationId) envelope.correlationId = options.correlationId;
      const added = await queue(job).add(job.name, envelope, bullOptions(job, options));
      return added.id!;
    },
    async cancel(job, id) {
      const found = await queue(job).getJob(escapeId(id));
      if (!found) return false;
      const state = await found.getState();
      if (state === 'active' || state === 'completed' || state === 'failed') return false;
      await found.remove();
      return true;
    },
    async schedule(job, scheduleId, repeat, data) {
      const envelope: JobEnvelope = { data: validateJobData(job, data) };
      await queue(job).upsertJobScheduler(scheduleId, repeat, { name: job.name, data: envelope, opts: bullOptions(job, {}) });
    },
    async unschedule(job, scheduleId) {
      return queue(job).removeJobScheduler(scheduleId);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      await flows?.close();
    },
  };
}
