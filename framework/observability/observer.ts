/**
 * One place where what happens to a message becomes log lines and metrics: the webhook, the
 * update's handling, the jobs it enqueued and the deliveries of its replies. Every line of one
 * message's path carries the same `correlationId` (the inbound job id of the update that
 * started it), so `grep <id>` shows the whole path across processes.
 *
 * Lines carry ids, names of bots, platforms and jobs, durations and error names: never a
 * customer's name, phone number, text or location (unless `logPersonalData` is on).
 */
import type { DeliveryJob } from '../delivery/delivery';
import { deliveryJobId } from '../delivery/delivery';
import type { Update } from '../core/update';
import { inboundJobId } from '../jobs/partition';
import type { WebhookOutcome } from '../http/webhook-route';
import type { Logger } from '../log';
import type { KioskMetrics } from './metrics';

/** Options of `createObserver`. */
export interface ObserverOptions {
  logger: Logger;
  metrics: KioskMetrics;
  /** Debugging only: add the sender and message to "update received" lines. @defaultValue false */
  logPersonalData?: boolean;
  /** Whether a bot and platform are served; others are counted as `unknown` so a URL cannot grow the label set. */
  serves(bot: string, platform: string): boolean;
}

/** The hooks Kiosk calls along a message's path. */
export interface Observer {
  /** A webhook request was answered. */
  webhook(outcome: WebhookOutcome): void;
  /** An update is durably queued; `correlationId` is its inbound job id. */
  received(update: Update, correlationId: string): void;
  /** A bot finished with an update (`error` when it threw past `bot.catch`; logged by `updateFailed`). */
  handled(update: Update, correlationId: string, ms: number, error?: unknown): void;
  /** An update's job failed (its handler threw, or it stalled too often); `final` when no attempt is left. */
  updateFailed(update: Update | undefined, error: Error, final: boolean): void;
  /** A job attempt started. */
  jobStarted(job: string, id: string, correlationId: string | undefined, attempt: number): void;
  /** A job attempt completed. */
  jobCompleted(job: string, id: string, ms: number, correlationId: string | undefined): void;
  /** A job attempt failed; `final` when no attempt is left. */
  jobFailed(job: string, id: string | undefined, error: Error, final: boolean, ms: number | undefined, correlationId: string | undefined): void;
  /** A message was accepted by its platform. */
  delivered(job: DeliveryJob, ms: number): void;
  /** A message was refused for good. */
  deliveryGaveUp(job: DeliveryJob, reason: string): void;
  /** A platform asked to wait `seconds` before sending again. */
  rateLimited(job: DeliveryJob, seconds: number): void;
  /** A delivery attempt failed after its inline retries; `final` when BullMQ gives up too. */
  deliveryFailed(job: DeliveryJob, error: Error, final: boolean): void;
}

/** Webhook answers by status, as `kiosk_updates_total` results. */
const RESULT_BY_STATUS: Record<number, string> = { 401: 'unauthorized', 400: 'malformed', 404: 'not_found', 413: 'too_large', 503: 'unavailable' };

const round = (ms: number) => Math.round(ms * 10) / 10;
const errorName = (error: unknown) => (error instanceof Error ? error.name : typeof error);
const errorCode = (error: unknown) => (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined);

/** What "update received" adds when `logPersonalData` is on. */
function personalFields(update: Update): Record<string, unknown> {
  return { from: update.from, chat: update.chat.id, message: update.message, button: update.button?.data };
}

/**
 * Create the observer of one Kiosk.
 *
 * @example
 * ```ts
 * const observe = createObserver({ logger, metrics, serves: (bot, platform) => Boolean(adapterFor(bot, platform)) });
 * observe.received(update, inboundJobId(update));
 * ```
 */
export function createObserver(options: ObserverOptions): Observer {
  const { logger, metrics } = options;
  const deliveryFields = (job: DeliveryJob) => ({
    bot: job.conversation.bot,
    platform: job.conversation.platform,
    delivery: deliveryJobId(job.key),
    correlationId: job.correlationId ?? deliveryJobId(job.key),
    ...(job.broadcast ? { broadcast: job.broadcast } : {}),
  });
  const deliveryLabels = (job: DeliveryJob) => ({ bot: job.conversation.bot, platform: job.conversation.platform });

  return {
    webhook(outcome) {
      const known = options.serves(outcome.bot, outcome.platform);
      const labels = known ? { bot: outcome.bot, platform: outcome.platform } : { bot: 'unknown', platform: 'unknown' };
      const result = outcome.status < 300 ? 'queued' : (RESULT_BY_STATUS[outcome.status] ?? 'error');
      // An accepted request counts its updates (a LINE webhook carries several; a verify ping none);
      // a refused one counts once, since nothing in it could be trusted to be counted.
      metrics.updates.inc({ ...labels, result }, outcome.status < 300 ? outcome.updates : 1);
      const line = { ...labels, status: outcome.status, updates: outcome.updates, code: outcome.code, ms: round(outcome.durationMs) };
      if (outcome.status >= 500) logger.warn(line, 'webhook');
      else logger.info(line, 'webhook');
    },
    received(update, correlationId) {
      logger.info(
        { bot: update.bot, platform: update.platform, update: update.id, kind: update.kind, correlationId, ...(options.logPersonalData ? personalFields(update) : {}) },
        'update received',
      );
    },
    handled(update, correlationId, ms, error) {
      const result = error === undefined ? 'handled' : 'failed';
      metrics.handlerSeconds.observe({ bot: update.bot, platform: update.platform, result }, ms / 1000);
      if (error === undefined) logger.info({ bot: update.bot, platform: update.platform, update: update.id, kind: update.kind, correlationId, ms: round(ms) }, 'update handled');
    },
    updateFailed(update, error, final) {
      const ids = update ? { bot: update.bot, platform: update.platform, update: update.id, kind: update.kind, correlationId: inboundJobId(update) } : {};
      const line = { ...ids, err: errorName(error), code: errorCode(error), final };
      if (final) logger.error(line, 'update failed');
      else logger.warn(line, 'update failed');
    },
    jobStarted(job, id, correlationId, attempt) {
      logger.info({ job, id, correlationId: correlationId ?? id, attempt }, 'job started');
    },
    jobCompleted(job, id, ms, correlationId) {
      metrics.jobSeconds.observe({ job, result: 'completed' }, ms / 1000);
      logger.info({ job, id, correlationId: correlationId ?? id, ms: round(ms) }, 'job completed');
    },
    jobFailed(job, id, error, final, ms, correlationId) {
      if (ms !== undefined) metrics.jobSeconds.observe({ job, result: 'failed' }, ms / 1000);
      const line = { job, id, correlationId: correlationId ?? id, err: errorName(error), code: errorCode(error), final, ...(ms !== undefined ? { ms: round(ms) } : {}) };
      if (final) logger.error(line, 'job failed');
      else logger.warn(line, 'job failed');
    },
    delivered(job, ms) {
      metrics.deliveries.inc({ ...deliveryLabels(job), result: 'sent' });
      metrics.deliverySeconds.observe(deliveryLabels(job), Math.max(0, Date.now() - job.queuedAt) / 1000);
      logger.info({ ...deliveryFields(job), ms: round(ms) }, 'delivery sent');
    },
    deliveryGaveUp(job, reason) {
      metrics.deliveries.inc({ ...deliveryLabels(job), result: 'gave_up' });
      // `reason` is the adapter's classification or the platform's error description ("Forbidden: bot was
      // blocked by the user"): about the request, never the message's content or the customer's name.
      logger.warn({ ...deliveryFields(job), reason }, 'delivery gave up');
    },
    rateLimited(job, seconds) {
      metrics.deliveries.inc({ ...deliveryLabels(job), result: 'rate_limited' });
      metrics.rateLimitWaits.inc(deliveryLabels(job));
      metrics.rateLimitSeconds.inc(deliveryLabels(job), seconds);
      logger.warn({ ...deliveryFields(job), seconds }, 'delivery rate limited');
    },
    deliveryFailed(job, error, final) {
      metrics.deliveries.inc({ ...deliveryLabels(job), result: final ? 'failed' : 'retried' });
      const line = { ...deliveryFields(job), err: errorName(error), code: errorCode(error), final };
      if (final) logger.error(line, 'delivery failed');
      else logger.warn(line, 'delivery failed');
    },
  };
}
