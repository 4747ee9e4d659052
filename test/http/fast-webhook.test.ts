/**
 * The node:http fast path for webhook POSTs answers exactly as the express route does (same
 * statuses, JSON bodies, Connection and Retry-After headers), without going through express,
 * and hands every other request to the express app.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Adapter } from '../../framework/adapters/adapter';
import { SignatureError, StoreUnavailableError } from '../../framework/core/errors';
import type { Update } from '../../framework/core/update';
import { createHttpApp } from '../../framework/http/app';
import { createWebhookServer, fastWebhookRoute } from '../../framework/http/fast-webhook';
import type { WebhookRouteOptions } from '../../framework/http/webhook-route';
import { sign, signedJson } from '../helpers/signed-adapter';

const SECRET = 'fast-path-secret-0123';
const signed = signedJson.create({ secret: SECRET }, { bot: 'shop', redis: undefined as never, prefix: 'unused' });
/** The same adapter, but it also wants `?k=v` in the query, to prove the query reaches adapters. */
const queried: Adapter = {
  ...signed,
  verify(request) {
    if (request.query.k !== 'v') throw new SignatureError('The query must carry k=v.');
    return signed.verify(request);
  },
};

const queued: Update[] = [];
let redisDown = false;
const options: WebhookRouteOptions = {
  adapterFor: (bot, platform) => (platform !== 'signed' ? undefined : bot === 'shop' ? signed : bot === 'query' ? queried : undefined),
  async enqueue(updates) {
    if (redisDown) throw new StoreUnavailableError('Redis is down in this test.');
    queued.push(...updates);
  },
  bodyLimitBytes: 1024,
};
const app = createHttpApp({ ...options, isReady: async () => true });
let expressCalls = 0;
const servers: http.Server[] = [];
let fastBase: string;
let expressBase: string;

async function serve(server: http.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const counted = (req: http.IncomingMessage, res: http.ServerResponse) => {
    expressCalls++;
    app(req, res);
  };
  fastBase = await serve(createWebhookServer(counted, options));
  expressBase = await serve(http.createServer(app));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

beforeEach(() => {
  queued.length = 0;
  redisDown = false;
  expressCalls = 0;
});

interface Seen {
  status: number;
  body: string;
  contentType: string | undefined;
  connection: string | undefined;
  retryAfter: string | undefined;
}

/** One request on its own connection, so `Connection: close` is the server's choice. */
function request(base: string, method: string, path: string, body = '', headers: Record<string, string> = {}): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, contentType: res.headers['content-type'], connection: res.headers.connection, retryAfter: res.headers['retry-after'] }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const update = (id: string) => JSON.stringify({ updates: [{ id, chat: 'c1', text: 'hi' }] });

/** Send the same request to both servers; returns the fast server's answer after checking both agree. */
async function both(method: string, path: string, body = '', headers: Record<string, string> = {}): Promise<Seen> {
  const viaExpress = await request(expressBase, method, path, body, headers);
  const fast = await request(fastBase, method, path, body, headers);
  expect(fast).toEqual(viaExpress);
  return fast;
}

describe('webhook fast path', () => {
  test('a signed POST is queued and acknowledged without going through express', async () => {
    const body = update('u1');
    const seen = await request(fastBase, 'POST', '/webhooks/shop/signed', body, { 'x-signature': sign(SECRET, body) });
    expect(seen).toMatchObject({ status: 200, body: '', contentType: 'text/plain; charset=utf-8' });
    expect(queued.map((u) => u.id)).toEqual(['u1']);
    expect(expressCalls).toBe(0);
    // And the express route (for people who mount kiosk.app themselves) answers the same.
    expect(await request(expressBase, 'POST', '/webhooks/shop/signed', body, { 'x-signature': sign(SECRET, body) })).toEqual(seen);
  });

  test('errors get the same statuses, JSON bodies and headers as the express route', async () => {
    const body = update('u2');
    const bad = await both('POST', '/webhooks/shop/signed', body, { 'x-signature': 'nope' });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body).error.code).toBe('KIOSK_SIGNATURE_INVALID');
    expect(bad.contentType).toBe('application/json; charset=utf-8');

    expect((await both('POST', '/webhooks/nobody/signed', body)).status).toBe(404);
    expect((await both('POST', '/webhooks/shop/signed', '{"not json', { 'x-signature': sign(SECRET, '{"not json') })).status).toBe(400);

    const large = 'x'.repeat(2048);
    const tooLarge = await both('POST', '/webhooks/shop/signed', large);
    expect(tooLarge).toMatchObject({ status: 413, connection: 'close' });

    redisDown = true;
    const down = await both('POST', '/webhooks/shop/signed', body, { 'x-signature': sign(SECRET, body) });
    expect(down).toMatchObject({ status: 503, retryAfter: '5' });
    expect(JSON.parse(down.body).error.code).toBe('KIOSK_STORE_UNAVAILABLE');
    expect(queued).toEqual([]);
    expect(expressCalls).toBe(0);
  });

  test('the query string reaches the adapter, parsed as express parses it', async () => {
    const body = update('u3');
    const headers = { 'x-signature': sign(SECRET, body) };
    expect((await both('POST', '/webhooks/query/signed?k=v&k=w&x=%41', body, headers)).status).toBe(200);
    expect((await both('POST', '/webhooks/query/signed?k=w', body, headers)).status).toBe(401);
    expect((await both('POST', '/webhooks/query/signed/', body, headers)).status).toBe(401);
    expect(expressCalls).toBe(0);
  });

  test('every other request is served by the express app', async () => {
    expect((await request(fastBase, 'GET', '/healthz')).status).toBe(200);
    expect((await both('GET', '/webhooks/shop/signed')).status).toBe(405);
    expect((await both('POST', '/webhooks/sh%6Fp/signed', update('u4'), { 'x-signature': sign(SECRET, update('u4')) })).status).toBe(200);
    expect((await both('POST', '/webhooks/shop/signed/extra', '{}')).status).toBe(404);
    expect(expressCalls).toBe(4);
  });

  test('only plain POST /webhooks/:bot/:platform takes the fast path', () => {
    expect(fastWebhookRoute('POST', '/webhooks/a/b')).toEqual({ bot: 'a', platform: 'b', query: '' });
    expect(fastWebhookRoute('POST', '/webhooks/a/b/?x=1')).toEqual({ bot: 'a', platform: 'b', query: 'x=1' });
    for (const url of ['/webhooks/a', '/webhooks//b', '/webhooks/a/', '/webhooks/a/b/c', '/webhooks/a%20/b', '/other/a/b', 'http://h/webhooks/a/b']) {
      expect(fastWebhookRoute('POST', url)).toBeUndefined();
    }
    expect(fastWebhookRoute('GET', '/webhooks/a/b')).toBeUndefined();
  });
});
