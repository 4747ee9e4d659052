/**
 * Runs the jobs of `workers/` in a worker process. Each job kind gets a BullMQ worker with
 * its own concurrency. A process killed mid-job leaves a stalled job that BullMQ hands to
 * another worker; a job that fails for good tells its customer so, instead of silence.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { resolveContent, type Renderer } from '../core/content';
import { PayloadError } from '../core/errors';
import type { OutboundMessage } from '../core/outbound';
import type { Conversation } from '../core/update';
import { jobQueueName, validateJobData, type JobContext, type JobDefinition } from './define-job';
import type { JobEnvelope, JobProducer } from './job-producer';
import { outOfAttempts } from './attempts';

/** What the job workers need from the rest of Kiosk. */
export interface JobWorkerOptions {
  prefix: string;
  jobs: readonly JobDefinition[];
  producer: JobProducer;
  /** Queue a message for delivery under an idempotency key. */
  deliver(conversation: Conversation, message: OutboundMessage, key: string, correlationId?: string): Promise<string>;
  /** Render templates; without it, `notify` takes texts and messages only. */
  render?: Renderer;
  /** How long a job may run before it counts as stalled if its process stops renewing the lock, ms. @defaultValue 30000 */
  lockDuration?: number;
  /** How often stalled jobs are looked for, ms. @defaultValue 30000 */
  stalledInterval?: number;
  /** Overrides every job's concurrency, e.g. from `kiosk worker --concurrency`. */
  concurrency?: number;
  /** An attempt of a job started; `correlationId` follows the message that led to it (or is the job's own). */
  onStarted?(job: JobDefinition, id: string, correlationId: string, attempt: number): void;
  onCompleted?(job: JobDefinition, id: string, ms: number, correlationId?: string): void;
  onFailed?(job: JobDefinition, id: string | undefined, error: Error, final: boolean, ms?: number, correlationId?: string): void;
}

/** The running job workers. */
export interface JobConsumer {
  readonly workers: readonly Worker[];
  /** Stop taking jobs and wait for the ones in hand. */
  close(): Promise<void>;
}

/** The built-in notice for a job that failed for good, used when the bot has no `kiosk/job-failed` template. */
const FAILURE_TEXT: Record<string, string> = {
  en: 'Sorry, something went wrong and we could not finish your request. Please try again later.',
  fr: 'Désolés, un problème nous a empêchés de terminer votre demande. Veuillez réessayer plus tard.',
  zh: '抱歉，出了点问题，我们未能完成您的请求。请稍后再试。',
};

function failureMessage(job: JobDefinition, conversation: Conversation, render: Renderer | undefined): OutboundMessage | undefined {
  if (job.onFailure === false) return undefined;
  const name = job.onFailure ?? 'kiosk/job-failed';
  try {
    return resolveContent(name, {}, conversation, render);
  } catch {
    const language = (conversation.locale ?? 'en').split('-')[0]!;
    return { text: FAILURE_TEXT[language] ?? FAILURE_TEXT.en! };
  }
}

/** The correlation id of a job: the one it carries, else its own queue and id (a scheduled run, an admin's enqueue). */
function correlationOf(definition: JobDefinition, job: Job<JobEnvelope>): string {
  return job.data.correlationId ?? `${jobQueueName(definition.name)}-${job.id}`;
}

/** Start a BullMQ worker for every job definition. */
export function startJobConsumer(connection: Redis, options: JobWorkerOptions): JobConsumer {
  const workers = options.jobs.map((definition) => {
    const process = async (job: Job<JobEnvelope>) => {
      const started = performance.now();
      const correlationId = correlationOf(definition, job);
      options.onStarted?.(definition, job.id!, correlationId, job.attemptsMade + 1);
      let data: unknown;
      try {
        data = validateJobData(definition, job.data.data);
      } catch (error) {
        // Data that no longer fits its schema will not fit on a retry either.
        throw new UnrecoverableError(error instanceof PayloadError ? error.message : String(error));
      }
      const conversation = job.data.conversation;
      let rank = 0;
      const context: JobContext<unknown> = {
        data,
        id: job.id!,
        attemptsMade: job.attemptsMade,
        // A stalled job that is run again has started twice without a failed attempt.
        isRetry: job.attemptsMade > 0 || job.attemptsStarted > 1,
        conversation,
        async notify(content, templateData) {
          if (!conversation) throw new Error(`Job "${definition.name}" has no conversation to notify; enqueue it from a handler or pass { conversation }.`);
          const message = resolveContent(content, templateData, conversation, options.render);
          // Keyed by job and rank: a retried job re-sends nothing it already sent.
          await options.deliver(conversation, message, `n-${job.id}-${rank++}`, correlationId);
        },
        async progress(value) {
          await job.updateProgress(value);
        },
        enqueueFlow(flow) {
          return options.producer.enqueueFlow(flow, conversation);
        },
        async childrenResults() {
          return job.getChildrenValues();
        },
        enqueue(next, nextData, nextOptions) {
          return options.producer.enqueue(next, nextData, { ...nextOptions, correlationId, ...(conversation ? { conversation } : {}) });
        },
      };
      const result = await definition.handler(context as JobContext<never>);
      options.onCompleted?.(definition, job.id!, performance.now() - started, correlationId);
      return result;
    };
    const worker = new Worker<JobEnvelope>(jobQueueName(definition.name), process, {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? definition.concurrency ?? 5,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
    });
    worker.on('error', () => undefined);
    worker.on('failed', (job, error) => {
      const final = !job || error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || outOfAttempts(job);
      const ms = job?.processedOn && job.finishedOn ? job.finishedOn - job.processedOn : undefined;
      options.onFailed?.(definition, job?.id, error, final, ms, job ? correlationOf(definition, job) : undefined);
      const conversation = job?.data.conversation;
      if (!final || !job || !conversation) return;
      const message = failureMessage(definition, conversation, options.render);
      if (message) options.deliver(conversation, message, `f-${job.id}`, correlationOf(definition, job)).catch(() => undefined);
    });
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
