/**
 * `POST /webhooks/:bot/:platform` and its `GET` handshake. Acknowledgement is decided here,
 * once for every adapter: 2xx only after the updates are in Redis, 503 when Redis is down,
 * 401 for a bad signature, 400 for a malformed body, 404 for an unknown bot or platform.
 */
import type { IncomingMessage } from 'node:http';
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

/**
 * One webhook request as every server sees it: node's request (headers, body stream), the
 * route's `:bot` and `:platform`, and the query string parsed with `node:querystring`.
 */
export interface WebhookCall {
  request: IncomingMessage;
  bot: string;
  platform: string;
  query: Record<string, unknown>;
}

/** A webhook's answer, ready to write: status, content type (charset added by the writer), body and extra headers. */
export interface WebhookAnswer {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * Answers a webhook request: the one place the webhook logic lives, used by the express
 * routes (`webhookRoutes`) and by the node:http fast path (`createWebhookServer`).
 */
export type WebhookHandler = (call: WebhookCall) => Promise<WebhookAnswer>;

function toWebhookRequest(call: WebhookCall, rawBody: Buffer): WebhookRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(call.request.headers)) {
    headers[name] = Array.isArray(value) ? value[0] : value;
  }
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(call.query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') query[name] = first;
  }
  return { method: call.request.method ?? 'POST', headers, query, rawBody };
}

const reply = (answer: WebhookResponse): WebhookAnswer => ({ status: answer.status, contentType: answer.contentType ?? 'text/plain', body: answer.body, headers: {} });

const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}): WebhookAnswer => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
  headers,
});

/**
 * Build the webhook handler: `GET` runs the platform's handshake; `POST` reads the raw body
 * (limit and timeout), verifies, records status callbacks, parses, enqueues, waits for a
 * passive reply where the platform has them and acknowledges. Every error becomes an answer
 * through `errorAnswer`; it never throws.
 */
export function createWebhookHandler(options: WebhookRouteOptions): WebhookHandler {
  const limit = options.bodyLimitBytes ?? 1_048_576;

  const resolve = (bot: string, platform: string): Adapter => {
    const adapter = options.adapterFor(bot, platform);
    if (!adapter) throw new NotFoundError(`No bot "${bot}" is configured on platform "${platform}".`);
    return adapter;
  };

  const handshake = async (call: WebhookCall): Promise<WebhookAnswer> => {
    try {
      const adapter = resolve(call.bot, call.platform);
      if (!adapter.handshake) {
        return jsonAnswer(405, { error: { code: 'KIOSK_METHOD_NOT_ALLOWED', message: `${adapter.platform} webhooks take POST only.` } });
      }
      return reply(await adapter.handshake(toWebhookRequest(call, Buffer.alloc(0))));
    } catch (error) {
      const answer = errorAnswer(error);
      return jsonAnswer(answer.status, answer.body);
    }
  };

  const ingest = async (call: WebhookCall): Promise<WebhookAnswer> => {
    const started = performance.now();
    const { bot, platform } = call;
    let updates: Update[] = [];
    try {
      const adapter = resolve(bot, platform);
      const request = toWebhookRequest(call, await readRawBody(call.request, limit));
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
      options.onOutcome?.({ bot, platform, status: answer.status, updates: updates.length, durationMs: performance.now() - started });
      return reply(answer);
    } catch (error) {
      const answer = errorAnswer(error);
      const headers: Record<string, string> = {};
      // A refused or half-read body is not drained: the connection cannot carry another request.
      if (answer.status === 413 || !call.request.complete) headers['Connection'] = 'close';
      if (answer.status === 503) headers['Retry-After'] = '5';
      options.onOutcome?.({ bot, platform, status: answer.status, updates: 0, code: answer.body.error.code, durationMs: performance.now() - started });
      return jsonAnswer(answer.status, answer.body, headers);
    }
  };

  return (call) => (call.request.method === 'GET' || call.request.method === 'HEAD' ? handshake(call) : ingest(call));
}

function send(res: Response, answer: WebhookAnswer): void {
  res.status(answer.status).set(answer.headers).type(answer.contentType).send(answer.body);
}

/** The webhook routes, to mount at the app's root. */
export function webhookRoutes(options: WebhookRouteOptions): Router {
  const router = Router();
  const handle = createWebhookHandler(options);
  const answer = async (req: Request, res: Response) => {
    send(res, await handle({ request: req, bot: String(req.params.bot), platform: String(req.params.platform), query: req.query as Record<string, unknown> }));
  };
  router.get('/webhooks/:bot/:platform', answer);
  router.post('/webhooks/:bot/:platform', answer);
  return router;
}
