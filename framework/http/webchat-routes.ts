/**
 * The web chat's own HTTP routes, besides the webhook every platform shares:
 *
 * - `POST /webchat/:bot/session` issues (or renews) a visitor token;
 * - `GET /webchat/:bot/events` streams the visitor's replies as Server-Sent Events;
 * - `GET /webchat/:bot` serves a ready-made chat page.
 *
 * Messages from the page go to `POST /webhooks/:bot/webchat` (`webhook-route.ts`), so they are
 * queued durably and de-duplicated like any platform's. Replies are written to the visitor's
 * Redis stream by the web-chat adapter's `send()`, in whatever process delivers them, and
 * read back here, so any `kiosk web` process can hold any visitor's event stream.
 */
import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { WebchatEndpoint } from '../adapters/webchat/adapter';
import { isStreamId, latestStreamId, subscribe, type StreamedReply } from '../adapters/webchat/stream';
import { issueToken, readToken } from '../adapters/webchat/token';
import { webchatStreamKey } from '../adapters/webchat/types';
import { webchatTokenOf } from '../adapters/webchat/verify';
import { NotFoundError, PayloadError, StoreUnavailableError } from '../core/errors';
import { errorAnswer } from './status';
import { WEBCHAT_PAGE_HTML, WEBCHAT_PAGE_SCRIPT, WEBCHAT_PAGE_STYLE } from './webchat-page';

/**
 * Options of `webchatRoutes`.
 *
 * @example
 * ```ts
 * app.use(webchatRoutes({ adapters: (bot) => webchatEndpointOf(adapterFor(bot, 'webchat')) }));
 * ```
 */
export interface WebchatRoutesOptions {
  /** The web-chat endpoint of a bot (its token secret and Redis), or `undefined` when the bot has no web chat: 404. */
  adapters(bot: string): WebchatEndpoint | undefined;
  /** Interval of the `: ping` comments that keep proxies from closing an idle event stream. @defaultValue 15000 */
  heartbeatMs?: number;
  /** How long each blocking `XREAD` waits before it is issued again. @defaultValue 15000 */
  blockMs?: number;
  /**
   * Most event streams this process holds at once. Each holds its own Redis connection, so
   * this bounds the connections a crowd of visitors can open; beyond it the stream is
   * answered 503 with `Retry-After`, and the page's EventSource tries again. @defaultValue 1000
   */
  maxStreams?: number;
  /**
   * Origins of a business's own pages (e.g. `'https://shop.example'`) that may call these
   * routes from the browser (CORS) and embed the chat page in a frame. Same-origin always works.
   * The webhook route needs the same CORS answer for such pages. @defaultValue `[]`
   */
  allowedOrigins?: readonly string[];
}

/** What `POST /webchat/:bot/session` answers, with status 201. */
export interface WebchatSession {
  /** Send as `Authorization: Bearer <token>` to the webhook, and as `?token=` to the event stream. */
  token: string;
  /** The visitor's id: the `chat.id` of their updates. */
  visitor: string;
  /** When the token expires, in seconds since the epoch. Renew before by posting it back to the session route. */
  expiresAt: number;
  /** True when an existing valid token was renewed for the same visitor, false for a new visitor. */
  renewed: boolean;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

// The page is fixed, so its policy is too: only its own inline script and style may run, and
// it may connect only to its own origin. Images and media of replies may come from any https host.
const PAGE_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(WEBCHAT_PAGE_SCRIPT)}`,
  `style-src ${sha256(WEBCHAT_PAGE_STYLE)}`,
  "connect-src 'self'",
  'img-src https: data:',
  'media-src https:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The web chat's routes, to mount at the app's root next to the webhook routes.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(webchatRoutes({ adapters: (bot) => (bot === 'taxi' ? { secret, tokenTtlSeconds: 2592000, redis, prefix: 'kiosk' } : undefined) }));
 * // Open http://localhost:3000/webchat/taxi in a browser.
 * ```
 */
export function webchatRoutes(options: WebchatRoutesOptions): Router {
  const router = Router();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const blockMs = options.blockMs ?? 15_000;
  const maxStreams = options.maxStreams ?? 1000;
  const origins = new Set(options.allowedOrigins ?? []);
  let streams = 0;

  const endpointOf = (req: Request): { bot: string; endpoint: WebchatEndpoint } => {
    const bot = String(req.params.bot);
    const endpoint = options.adapters(bot);
    if (!endpoint) throw new NotFoundError(`No bot "${bot}" has a web chat; configure platforms.webchat for it.`);
    return { bot, endpoint };
  };

  const fail = (res: Response, error: unknown): void => {
    const answer = errorAnswer(error);
    if (answer.status === 503) res.setHeader('Retry-After', '5');
    res.status(answer.status).json(answer.body);
  };

  // CORS for a business's page on another origin. Tokens travel in headers or the query,
  // never in cookies, so no credentials are allowed and no CSRF is possible.
  router.use('/webchat/:bot', (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Last-Event-ID, X-Kiosk-Webchat-Token');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  });

  router.post('/webchat/:bot/session', express.json({ limit: '4kb' }), (req, res) => {
    try {
      const { bot, endpoint } = endpointOf(req);
      const body: unknown = req.body;
      const fromBody = typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string' ? body.token : undefined;
      const presented = fromBody ?? webchatTokenOf(headersOf(req));
      let visitor: string | undefined;
      if (presented) {
        try {
          visitor = readToken(bot, endpoint.secret, presented);
        } catch {
          // An expired or foreign token is no reason to refuse a chat: the page gets a new
          // visitor, and `renewed: false` tells it the old transcript is not this visitor's.
          visitor = undefined;
        }
      }
      const issued = issueToken(bot, endpoint.secret, endpoint.tokenTtlSeconds, visitor ? { visitor } : {});
      const session: WebchatSession = { ...issued, renewed: visitor !== undefined };
      res.status(201).setHeader('Cache-Control', 'no-store').json(session);
    } catch (error) {
      fail(res, error);
    }
  });

  router.get('/webchat/:bot/events', async (req, res) => {
    let visitor: string;
    let endpoint: WebchatEndpoint;
    let key: string;
    let position: string;
    try {
      const found = endpointOf(req);
      endpoint = found.endpoint;
      // EventSource cannot set headers, so the token may come in the query on this route only.
      const queryToken = typeof req.query.token === 'string' ? req.query.token : undefined;
      visitor = readToken(found.bot, endpoint.secret, queryToken ?? webchatTokenOf(headersOf(req)));
      // The key comes from the verified token alone: no parameter can point at another visitor's stream.
      key = webchatStreamKey(endpoint.prefix, found.bot, visitor);
      const resume = headersOf(req)['last-event-id'] || (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
      if (resume !== undefined && resume !== '' && !isStreamId(resume)) {
        throw new PayloadError('Last-Event-ID must be an event id such as 1700000000000-0, as sent in the id: field', ['lastEventId']);
      }
      if (streams >= maxStreams) throw new StoreUnavailableError(`This process already holds ${maxStreams} web-chat event streams; try again shortly.`);
      // Resolved to a concrete id now, so the `ready` event can give the page a position to
      // resume from even before the first reply arrives.
      position = resume || (await latestStreamId(endpoint.redis, key).catch((error: unknown) => {
        throw new StoreUnavailableError('Redis is unreachable; the event stream cannot start.', { cause: error });
      }));
    } catch (error) {
      fail(res, error);
      return;
    }

    streams += 1;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx buffers responses unless told otherwise, which would hold replies back.
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: 3000\nid: ${position}\nevent: ready\ndata: ${JSON.stringify({ visitor, lastEventId: position })}\n\n`);

    const controller = new AbortController();
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    res.on('close', () => {
      clearInterval(heartbeat);
      controller.abort();
    });
    const write = (reply: StreamedReply): void => {
      res.write(`id: ${reply.id}\nevent: message\ndata: ${JSON.stringify(reply.message)}\n\n`);
    };
    try {
      await subscribe(endpoint.redis, key, position, write, controller.signal, { blockMs });
    } catch {
      // Redis failed under the stream: end it; the page reconnects with Last-Event-ID and misses nothing.
    } finally {
      streams -= 1;
      clearInterval(heartbeat);
      res.end();
    }
  });

  router.get('/webchat/:bot', (req, res) => {
    try {
      endpointOf(req);
      const frames = origins.size ? `'self' ${[...origins].join(' ')}` : "'self'";
      res
        .status(200)
        .setHeader('Content-Security-Policy', `${PAGE_POLICY}; frame-ancestors ${frames}`)
        .setHeader('X-Content-Type-Options', 'nosniff')
        .setHeader('Referrer-Policy', 'no-referrer')
        .type('html')
        .send(WEBCHAT_PAGE_HTML);
    } catch (error) {
      fail(res, error);
    }
  });

  // express.json's own errors (a malformed or oversized session body) answered like Kiosk's.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 500;
    if (status === 400) return fail(res, new PayloadError('Session body is not JSON: send {} or { "token": "<token>" }.', [], { cause: error }));
    if (status === 413) return res.status(413).json({ error: { code: 'KIOSK_BODY_TOO_LARGE', message: 'Session body is larger than 4 KB.' } });
    return next(error);
  });

  return router;
}

function headersOf(req: Request): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value[0] : value;
  return headers;
}
