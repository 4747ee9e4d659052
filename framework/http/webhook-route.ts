/**
 * `POST /webhooks/:bot/:platform` and its `GET` handshake. Acknowledgement is decided here,
 * once for every adapter: 2xx only after the updates are in Redis, 503 when Redis is down,
 * 401 for a bad signature, 400 for a malformed body, 404 for an unknown bot or platform.
 */
import { Router, type Request, type Response } from 'express';
import type { Adapter, DeliveryStatus, WebhookRequest, WebhookResponse } from '../adapters/adapter';
import { NotFoundError } from '../core/errors';
import type { OutboundMessage } from '../core/outbound';
import type { Update } from '../core/update';
import { readRawBody } from './raw-body';
import { errorAnswer } from './status';

/** What the webhook route needs from the rest of Kiosk. */
export interface WebhookRouteOptions {
  /** The adapter serving a bot on a platform, if that pair is configured. */
  adapterFor(bot: string, platform: string): Adapter | undefined;
  /** Queue updates durably; resolves once they are in Redis. */
  enqueue(updates: Update[]): Promise<void>;
  /**
   * Wait for the first reply of an update that was just queued, for platforms with passive
   * replies; resolves `undefined` when the handler did not answer in time (the reply then
   * goes out through the platform's API).
   */
  awaitPassiveReply?(update: Update, deadlineMs: number): Promise<OutboundMessage | undefined>;
  /**
   * Record status callbacks (delivered, read, failed) carried by a webhook; resolves once they
   * are in Redis, and throws `StoreUnavailableError` when Redis is down.
   */
  recordStatuses?(bot: string, platform: string, statuses: DeliveryStatus[]): Promise<void>;
  /** Largest accepted body in bytes. @defaultValue 1048576 */
  bodyLimitBytes?: number;
  /** Told about every request's outcome, for logs and metrics. */
  onOutcome?(outcome: WebhookOutcome): void;
}

/** What happened to one webhook request; carries ids and codes only, never customer data. */
export interface WebhookOutcome {
  bot: string;
  platform: string;
  status: number;
  updates: number;
  code?: string;
  durationMs: number;
}

function toWebhookRequest(req: Request, rawBody: Buffer): WebhookRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value[0] : value;
  }
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') query[name] = first;
  }
  return { method: req.method, headers, query, rawBody };
}

function send(res: Response, answer: WebhookResponse): void {
  res.status(answer.status).type(answer.contentType ?? 'text/plain').send(answer.body);
}

/** The webhook routes, to mount at the app's root. */
export function webhookRoutes(options: WebhookRouteOptions): Router {
  const router = Router();
  const limit = options.bodyLimitBytes ?? 1_048_576;

  const resolve = (req: Request): Adapter => {
    const bot = String(req.params.bot);
    const platform = String(req.params.platform);
    const adapter = options.adapterFor(bot, platform);
    if (!adapter) throw new NotFoundError(`No bot "${bot}" is configured on platform "${platform}".`);
    return adapter;
  };

  router.get('/webhooks/:bot/:platform', async (req, res) => {
    try {
      const adapter = resolve(req);
      if (!adapter.handshake) {
        res.status(405).json({ error: { code: 'KIOSK_METHOD_NOT_ALLOWED', message: `${adapter.platform} webhooks take POST only.` } });
        return;
      }
      send(res, await adapter.handshake(toWebhookRequest(req, Buffer.alloc(0))));
    } catch (error) {
      const answer = errorAnswer(error);
      res.status(answer.status).json(answer.body);
    }
  });

  router.post('/webhooks/:bot/:platform', async (req, res) => {
    const started = performance.now();
    const bot = String(req.params.bot);
    const platform = String(req.params.platform);
    let updates: Update[] = [];
    try {
      const adapter = resolve(req);
      const request = toWebhookRequest(req, await readRawBody(req, limit));
      await adapter.verify(request);
      const statuses = adapter.statuses?.(request) ?? [];
      updates = await adapter.parse(request);
      if (statuses.length && options.recordStatuses) await options.recordStatuses(bot, platform, statuses);
      await options.enqueue(updates);
      // Passive replies: the update is durable already; the handler runs in a worker as usual
      // and this request only waits, up to the deadline, for its first reply.
      const passive =
        adapter.passiveReply && adapter.replyInResponse && updates.length === 1 && options.awaitPassiveReply
          ? await options.awaitPassiveReply(updates[0]!, adapter.passiveReply.deadlineMs)
          : undefined;
      const answer =
        passive && adapter.replyInResponse
          ? adapter.replyInResponse(request, updates[0]!, passive)
          : (adapter.acknowledge?.(request, updates) ?? { status: 200, body: '' });
      send(res, answer);
      options.onOutcome?.({ bot, platform, status: answer.status, updates: updates.length, durationMs: performance.now() - started });
    } catch (error) {
      const answer = errorAnswer(error);
      if (answer.status === 413 || !req.complete) res.setHeader('Connection', 'close');
      if (answer.status === 503) res.setHeader('Retry-After', '5');
      res.status(answer.status).json(answer.body);
      options.onOutcome?.({ bot, platform, status: answer.status, updates: 0, code: answer.body.error.code, durationMs: performance.now() - started });
    }
  });

  return router;
}
