import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Adapter, WebhookRequest } from '../../framework/adapters/adapter';
import { webchat, webchatEndpointOf, type WebchatEndpoint } from '../../framework/adapters/webchat/adapter';
import { readToken } from '../../framework/adapters/webchat/token';
import { conversationOf, type Conversation } from '../../framework/core/update';
import { webchatRoutes, type WebchatRoutesOptions } from '../../framework/http/webchat-routes';
import { openWebchat, type WebchatClient } from '../../framework/testing/webchat-client';
import { cleanPrefix, connect, uniquePrefix } from '../helpers/redis';

const prefix = uniquePrefix();
const secrets: Record<string, string> = { taxi: 'taxi-secret-0123456789', bills: 'bills-secret-0123456789' };
let redis: Redis;
const adapters = new Map<string, Adapter>();
const servers: http.Server[] = [];
const clients: WebchatClient[] = [];
let baseUrl: string;

async function listen(options: WebchatRoutesOptions, extra?: (app: express.Express) => void): Promise<string> {
  const app = express();
  extra?.(app);
  app.use(webchatRoutes(options));
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function open(bot: string, options?: Parameters<typeof openWebchat>[2]): Promise<WebchatClient> {
  const client = await openWebchat(baseUrl, bot, options);
  clients.push(client);
  return client;
}

function to(client: WebchatClient, bot = 'taxi'): Conversation {
  return { bot, platform: 'webchat', chat: client.visitor, user: client.visitor };
}

/** A raw GET, for what the testing client hides: status, headers and the first bytes of the body. */
function rawGet(path: string, headers: Record<string, string> = {}, waitFor = ''): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}${path}`, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      const done = (): void => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      };
      res.on('data', (chunk: string) => {
        body += chunk;
        if (waitFor && body.includes(waitFor)) done();
      });
      res.on('end', done);
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
  });
}

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (res) => ({
    status: res.status,
    body: await res.json(),
  }));
}

beforeAll(async () => {
  redis = connect();
  for (const bot of Object.keys(secrets)) {
    adapters.set(bot, webchat.create(webchat.settings.parse({ secret: secrets[bot] }), { bot, redis, prefix }));
  }
  baseUrl = await listen({ adapters: (bot) => webchatEndpointOf(adapters.get(bot)), heartbeatMs: 100, blockMs: 1000 }, (app) => {
    // A stand-in for the ingest layer (not part of these routes): verify, parse, and answer
    // every text at once instead of queueing it, so the testing client's send() can be shown.
    app.post('/webhooks/:bot/webchat', express.raw({ type: '*/*' }), async (req, res) => {
      const adapter = adapters.get(String(req.params.bot))!;
      const request: WebhookRequest = { method: 'POST', headers: req.headers as Record<string, string>, query: {}, rawBody: req.body as Buffer };
      try {
        await adapter.verify(request);
        const [update] = await adapter.parse(request);
        await adapter.send(conversationOf(update!), { text: `echo: ${update!.message?.text ?? update!.button?.data ?? update!.kind}` });
        const ack = adapter.acknowledge!(request, [update!]);
        res.status(ack.status).type(ack.contentType!).send(ack.body);
      } catch (error) {
        res.status(400).json({ error: String(error) });
      }
    });
  });
});

afterAll(async () => {
  for (const client of clients) client.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await cleanPrefix(redis, prefix);
  redis.disconnect();
});

describe('POST /webchat/:bot/session', () => {
  it('issues a token for a new visitor', async () => {
    const answer = await post('/webchat/taxi/session', '{}');
    expect(answer.status).toBe(201);
    const session = answer.body as { token: string; visitor: string; expiresAt: number; renewed: boolean };
    expect(readToken('taxi', secrets.taxi!, session.token)).toBe(session.visitor);
    expect(session.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 24 * 3600);
    expect(session.renewed).toBe(false);
  });

  it('renews a valid token for the same visitor, from the body or the Authorization header', async () => {
    const first = (await post('/webchat/taxi/session', '')).body as { token: string; visitor: string };
    const fromBody = (await post('/webchat/taxi/session', JSON.stringify({ token: first.token }))).body as { visitor: string; renewed: boolean };
    expect(fromBody).toMatchObject({ visitor: first.visitor, renewed: true });
    const fromHeader = (await post('/webchat/taxi/session', '{}', { authorization: `Bearer ${first.token}` })).body as { visitor: string };
    expect(fromHeader.visitor).toBe(first.visitor);
  });

  it("gives a new visitor for another bot's token instead of renewing it", async () => {
    const bills = (await post('/webchat/bills/session', '{}')).body as { token: string; visitor: string };
    const taxi = (await post('/webchat/taxi/session', JSON.stringify({ token: bills.token }))).body as { visitor: string; renewed: boolean };
    expect(taxi.visitor).not.toBe(bills.visitor);
    expect(taxi.renewed).toBe(false);
  });

  it('answers 400 to a body that is not JSON and 404 to an unknown bot', async () => {
    expect(await post('/webchat/taxi/session', '{"token":')).toMatchObject({ status: 400, body: { error: { code: 'KIOSK_PAYLOAD_INVALID' } } });
    expect(await post('/webchat/nobody/session', '{}')).toMatchObject({ status: 404, body: { error: { code: 'KIOSK_NOT_FOUND' } } });
  });
});

describe('GET /webchat/:bot/events', () => {
  it("delivers a reply written by the adapter's send() as a message event", async () => {
    const visitor = await open('taxi');
    const sent = await adapters.get('taxi')!.send(to(visitor), { text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] });
    expect(await visitor.nextMessage()).toEqual({ text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] });
    expect(visitor.lastEventId).toBe(sent.messageId);
  });

  it('the testing client posts to the webhook and receives the reply', async () => {
    const visitor = await open('taxi', { locale: 'fr' });
    expect(await visitor.send('/taxi')).toEqual({ status: 200, body: { ok: true } });
    expect((await visitor.nextMessage()).text).toBe('echo: /taxi');
    await visitor.send({ button: { data: 'dest:home' } });
    expect((await visitor.nextMessage()).text).toBe('echo: dest:home');
    expect((await visitor.send({ text: 'a', button: { data: 'b' } } as never)).status).toBe(400);
  });

  it("visitor A only ever sees A's replies, never B's", async () => {
    const a = await open('taxi');
    const b = await open('taxi');
    const taxi = adapters.get('taxi')!;
    await taxi.send(to(b), { text: 'for B 1' });
    await taxi.send(to(a), { text: 'for A' });
    await taxi.send(to(b), { text: 'for B 2' });
    expect((await a.nextMessage()).text).toBe('for A');
    expect((await b.nextMessage()).text).toBe('for B 1');
    expect((await b.nextMessage()).text).toBe('for B 2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.messages.map((message) => message.text)).toEqual(['for A']);
    // Renewing A's token never yields B's identity, and a "visitor" parameter is not a thing.
    const again = await open('taxi', { token: a.token });
    expect(again.visitor).toBe(a.visitor);
    const sneaky = await rawGet(`/webchat/taxi/events?token=${encodeURIComponent(a.token)}&visitor=${b.visitor}&lastEventId=0-0`, {}, 'for A');
    expect(sneaky.body).toContain('for A');
    expect(sneaky.body).not.toContain('for B');
  });

  it('answers 401 with a JSON error to a missing, tampered or foreign token, and 404 to an unknown bot', async () => {
    const visitor = await open('taxi');
    for (const token of ['', 'nonsense', `${visitor.token}x`]) {
      const answer = await rawGet(`/webchat/taxi/events?token=${encodeURIComponent(token)}`);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'KIOSK_SIGNATURE_INVALID' } });
    }
    expect((await rawGet(`/webchat/bills/events?token=${encodeURIComponent(visitor.token)}`)).status).toBe(401);
    expect((await rawGet(`/webchat/nobody/events?token=${encodeURIComponent(visitor.token)}`)).status).toBe(404);
    expect((await rawGet(`/webchat/taxi/events?token=${encodeURIComponent(visitor.token)}&lastEventId=%3Cscript%3E`)).status).toBe(400);
  });

  it('a visitor reconnecting with Last-Event-ID gets exactly the replies it missed', async () => {
    const first = await open('taxi');
    const taxi = adapters.get('taxi')!;
    await taxi.send(to(first), { text: 'seen 1' });
    await taxi.send(to(first), { text: 'seen 2' });
    await first.nextMessage();
    await first.nextMessage();
    const seen = first.lastEventId!;
    first.close();
    await taxi.send(to(first), { text: 'missed 1' });
    await taxi.send(to(first), { text: 'missed 2' });

    const resumed = await open('taxi', { token: first.token, lastEventId: seen });
    expect((await resumed.nextMessage()).text).toBe('missed 1');
    expect((await resumed.nextMessage()).text).toBe('missed 2');
    await taxi.send(to(first), { text: 'live' });
    expect((await resumed.nextMessage()).text).toBe('live');
    expect(resumed.messages.map((message) => message.text)).toEqual(['missed 1', 'missed 2', 'live']);

    // The same through the query parameter a page uses on its first connection.
    const viaQuery = await rawGet(`/webchat/taxi/events?token=${encodeURIComponent(first.token)}&lastEventId=${seen}`, {}, 'live');
    expect(viaQuery.body.match(/^event: message$/gm)).toHaveLength(3);
    expect(viaQuery.body).not.toContain('seen');
  });

  it('opens with a ready event carrying the resume position, and sends heartbeats', async () => {
    const session = (await post('/webchat/taxi/session', '{}')).body as { token: string; visitor: string };
    const answer = await rawGet(`/webchat/taxi/events?token=${encodeURIComponent(session.token)}`, {}, ': ping');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(answer.headers['cache-control']).toContain('no-cache');
    expect(answer.body).toContain(`id: 0-0\nevent: ready\ndata: {"visitor":"${session.visitor}","lastEventId":"0-0"}\n\n`);
    expect(answer.body).toContain(': ping\n\n');
  });

  it('refuses more event streams than maxStreams with 503, and frees the slot when a stream closes', async () => {
    const endpoint: WebchatEndpoint = webchatEndpointOf(adapters.get('taxi'))!;
    const limited = await listen({ adapters: (bot) => (bot === 'taxi' ? endpoint : undefined), maxStreams: 1, blockMs: 1000 });
    const first = await openWebchat(limited, 'taxi');
    await expect(openWebchat(limited, 'taxi')).rejects.toThrow(/503/);
    first.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await openWebchat(limited, 'taxi');
    second.close();
  });
});

describe('GET /webchat/:bot', () => {
  it('serves the chat page with a policy that allows only its own script', async () => {
    const page = await rawGet('/webchat/taxi');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script>');
    expect(page.body).toContain('new EventSource(');
    expect(page.body).not.toMatch(/innerHTML/);
    const policy = String(page.headers['content-security-policy']);
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(policy).toContain("default-src 'none'");
  });

  it('answers 404 for a bot without a web chat', async () => {
    expect((await rawGet('/webchat/nobody')).status).toBe(404);
  });
});
