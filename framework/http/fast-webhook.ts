/**
 * The HTTP server `kiosk.listen` runs: `POST /webhooks/:bot/:platform` is answered straight
 * from `node:http`, everything else (handshakes, health, metrics, web chat, admin, unusual
 * webhook URLs) goes to the express app. Express's routing and response helpers cost more CPU
 * than the rest of a durable webhook together (bench/README.md), and webhooks are nearly all
 * of a web process's traffic. The webhook logic itself is `createWebhookHandler`, the same
 * function the express route uses, so both answer alike; only the writing differs (no ETag).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { createWebhookHandler, type WebhookAnswer, type WebhookHandler, type WebhookRouteOptions } from './webhook-route';

const PREFIX = '/webhooks/';

/**
 * The route parameters of a plain `POST /webhooks/:bot/:platform[/][?query]`, or `undefined`
 * for anything else, which express then serves: other methods and paths, percent-encoded
 * segments (express decodes them, or answers 400), absolute-form URLs.
 */
export function fastWebhookRoute(method: string | undefined, url: string | undefined): { bot: string; platform: string; query: string } | undefined {
  if (method !== 'POST' || url === undefined || !url.startsWith(PREFIX)) return undefined;
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  if (path.includes('%')) return undefined;
  const rest = path.endsWith('/') ? path.slice(PREFIX.length, -1) : path.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1 || rest.indexOf('/', slash + 1) !== -1) return undefined;
  return { bot: rest.slice(0, slash), platform: rest.slice(slash + 1), query: mark === -1 ? '' : url.slice(mark + 1) };
}

/** Write an answer as express's `res.type(t).send(body)` would (charset utf-8, no body on 204/304), without an ETag. */
export function writeWebhookAnswer(res: ServerResponse, answer: WebhookAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  if (answer.status === 204 || answer.status === 304) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', `${answer.contentType.replace(/;\s*charset=[^;]*/i, '')}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(answer.body));
  res.end(answer.body);
}

/**
 * A `node:http` server that answers webhook POSTs itself and hands every other request to
 * `app` (an express app, or any request listener). `handler` is built from `options` unless given.
 *
 * @example
 * ```ts
 * const server = createWebhookServer(app, { adapterFor, enqueue });
 * server.listen(8080);
 * ```
 */
export function createWebhookServer(
  app: (req: IncomingMessage, res: ServerResponse) => void,
  options: WebhookRouteOptions,
  handler: WebhookHandler = createWebhookHandler(options),
): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = fastWebhookRoute(req.method, req.url);
    if (!route) {
      app(req, res);
      return;
    }
    handler({ request: req, bot: route.bot, platform: route.platform, query: route.query === '' ? {} : parseQuery(route.query) }).then(
      (answer) => writeWebhookAnswer(res, answer),
      () => {
        // The handler turns every error into an answer; this is a last guard, never a crash.
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end('{"error":{"code":"KIOSK_INTERNAL","message":"Internal error; see the server log."}}');
      },
    );
  });
}
