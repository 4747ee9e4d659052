/**
 * Delivery workers: take outbound messages off their queues and send them through the
 * platform adapter, at the platform's rate.
 *
 * - Rate: each partition has a BullMQ limiter with its share of the bot's rate.
 * - 429 with retry-after: every partition of that bot is paused for exactly that long
 *   (BullMQ's manual rate limiting) and the message goes back to the front of its queue.
 * - 5xx and network errors: retried inside the job with backoff, so the chat's later
 *   messages wait behind it and order is kept; after that BullMQ's attempts take over.
 * - Permanent errors (blocked, chat not found): the job fails at once, stays inspectable
 *   in the failed set, and is reported through `onGaveUp`.
 */
import { RateLimitError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Adapter } from '../adapters/adapter';
import type { SentMessage } from '../core/context';
import { DeliveryError, type DeliveryOutcome } from '../core/errors';
import type { DeliveryJob, DeliveryOptions, DeliveryProducer } from './delivery';
import { partitionLimiter } from './partition-limits';
import { countBroadcast } from './broadcast-report';
import { deliveryQueueName } from './queue-names';
import { deliveryRecordKey, recordSent } from './delivery-record';
import { closeServiceWindow, decideWindow } from './service-window';
import { outOfAttempts } from '../jobs/attempts';

/** Options of the delivery workers of one process. */
export interface DeliveryWorkerOptions extends DeliveryOptions {
  /** The adapters to deliver through, one per bot and platform. */
  adapters: ReadonlyArray<{ bot: string; adapter: Adapter }>;
  /** Used to pause all of a bot's partitions on a 429. */
  producer: DeliveryProducer;
  /** Sends retried inside the job before BullMQ's attempts take over. @defaultValue 4 */
  inlineRetries?: number;
  /** First backoff of the inline retries, doubled each time, in ms. @defaultValue 500 */
  backoffMs?: number;
  /** How long a send may hold its job before the job counts as stalled; BullMQ renews the lock while it runs, in ms. @defaultValue 10000 */
  lockDuration?: number;
  /** A message was delivered. */
  onDelivered?(job: DeliveryJob, sent: SentMessage, ms: number): void;
  /** A message will not be delivered: the platform refused it for good. */
  onGaveUp?(job: DeliveryJob, reason: string): void;
  /** The platform asked Kiosk to wait. */
  onRateLimited?(job: DeliveryJob, seconds: number): void;
  /** An attempt failed after its inline retries (not a refusal, not a 429); `final` when no attempt is left. */
  onFailed?(job: DeliveryJob, error: Error, final: boolean): void;
}

/** The running delivery workers. */
export interface DeliveryConsumer {
  readonly workers: readonly Worker[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The progress of a job whose message the platform accepted (jobs without a delivery record). */
const SENT = { sent: true };

function isMarkedSent(job: Job<DeliveryJob>): boolean {
  return typeof job.progress === 'object' && job.progress !== null && (job.progress as { sent?: unknown }).sent === true;
}

function outcomeOf(adapter: Adapter, error: unknown): DeliveryOutcome {
  return error instanceof DeliveryError ? error.outcome : adapter.classifyError(error);
}

/** Start one worker per delivery partition of every adapter. */
export function startDeliveryConsumer(connection: Redis, options: DeliveryWorkerOptions): DeliveryConsumer {
  const inlineRetries = options.inlineRetries ?? 4;
  const backoffMs = options.backoffMs ?? 500;
  const workers: Worker[] = [];

  for (const { bot, adapter } of options.adapters) {
    const limiter = partitionLimiter(adapter.limits, options.partitions);
    const pauseBot = (ms: number) =>
      Promise.all(Array.from({ length: options.partitions }, (_, p) => options.producer.queue(adapter.platform, bot, p).rateLimit(ms)));

    const process = async (job: Job<DeliveryJob>): Promise<SentMessage> => {
      const started = performance.now();
      // A job re-run after its process died may already have been sent: the marker (its
      // delivery record, or the job's own progress for a broadcast message without one),
      // written right after the platform accepted it, says so. (The window between the platform's
      // answer and the marker remains: delivery is at least once within it.)
      const deliveryId = job.id ?? job.data.key;
      if (job.attemptsStarted > 1 && (isMarkedSent(job) || (await connection.exists(deliveryRecordKey(options.prefix, deliveryId))))) return {};
      const giveUp = async (reason: string): Promise<never> => {
        options.onGaveUp?.(job.data, reason);
        if (job.data.broadcast) await countBroadcast(connection, options.prefix, job.data.broadcast, 'failed');
        throw new UnrecoverableError(`Not delivered: ${reason}`);
      };
      let message = job.data.message;
      if (adapter.serviceWindow) {
        const decision = await decideWindow(connection, options.prefix, adapter.serviceWindow, job.data.conversation, message, deliveryId);
        if ('refused' in decision) return giveUp(decision.refused);
        message = decision.send;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const sent = await adapter.send(job.data.conversation, message);
          // A broadcast message to a platform that sends no statuses needs no record (nothing
          // will update it, and a million records would stay a day): its job, removed once
          // done, carries the marker instead.
          if (job.data.broadcast && !adapter.statuses) await job.updateProgress(SENT);
          else await recordSent(connection, options.prefix, deliveryId, job.data.conversation, sent.messageId, options.dedupeSeconds ?? 86_400);
          if (job.data.broadcast) await countBroadcast(connection, options.prefix, job.data.broadcast, 'sent');
          options.onDelivered?.(job.data, sent, performance.now() - started);
          return sent;
        } catch (error) {
          const outcome = outcomeOf(adapter, error);
          // The platform says the window is closed although Kiosk thought it open (another
          // sender used the budget, the clocks differ): note it, and fall back to the template.
          if (outcome.kind === 'give-up' && adapter.serviceWindow && outcome.reason.startsWith('window-closed')) {
            await closeServiceWindow(connection, options.prefix, job.data.conversation);
            if (job.data.message.template && !message.template) {
              message = { template: job.data.message.template };
              continue;
            }
          }
          if (outcome.kind === 'give-up') return giveUp(outcome.reason);
          if (outcome.kind === 'retry-after') {
            options.onRateLimited?.(job.data, outcome.seconds);
            await pauseBot(Math.max(1, outcome.seconds) * 1000);
            throw new RateLimitError();
          }
          if (attempt >= inlineRetries) throw error;
          await sleep(backoffMs * 2 ** attempt);
        }
      }
    };

    for (let p = 0; p < options.partitions; p++) {
      const worker = new Worker<DeliveryJob, SentMessage>(deliveryQueueName(adapter.platform, bot, p), process, {
        connection,
        prefix: options.prefix,
        concurrency: 1,
        limiter,
        // BullMQ renews the lock while inline retries wait, so a short lock only shortens
        // the time a dead process's message blocks its chat.
        lockDuration: options.lockDuration ?? 10_000,
        stalledInterval: options.lockDuration ?? 10_000,
      });
      worker.on('error', () => undefined);
      worker.on('failed', (job, error) => {
        // Refusals were reported by onGaveUp and 429s by onRateLimited; report the rest.
        if (job && !(error instanceof UnrecoverableError) && !(error instanceof RateLimitError)) {
          options.onFailed?.(job.data, error, outOfAttempts(job));
        }
        // Permanent errors were counted when they happened; count jobs that ran out of attempts.
        if (!job?.data.broadcast || error instanceof UnrecoverableError || !outOfAttempts(job)) return;
        countBroadcast(connection, options.prefix, job.data.broadcast, 'failed').catch(() => undefined);
      });
      workers.push(worker);
    }
  }

  return {
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}

/** Make each partition send one message at a time across the cluster, keeping chats in order. */
export async function ensureDeliveryOrdering(options: Pick<DeliveryWorkerOptions, 'adapters' | 'producer' | 'partitions'>): Promise<void> {
  await Promise.all(
    options.adapters.flatMap(({ bot, adapter }) =>
      Array.from({ length: options.partitions }, (_, p) => options.producer.queue(adapter.platform, bot, p).setGlobalConcurrency(1)),
    ),
  );
}
