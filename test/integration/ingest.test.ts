/**
 * The durable ingest path end to end: real HTTP, real Redis, real BullMQ workers.
 */
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { postSigned, sentBySignedAdapter, signedJson } from '../helpers/signed-adapter';
import { sleep, waitUntil } from '../helpers/wait';

const SECRET = 'dev-only-signing-secret';
const logger = createLogger({ level: 'silent' });

const config = (prefix: string) => testConfig(prefix, { echo: { signed: { secret: SECRET } } }, { inboundPartitions: 4 });

/** Echo bot that records what it handled, with a random pause to shake out ordering bugs. */
function echoBot(handled: string[]) {
  const bot = new Bot('echo');
  bot.on('message:text', async (ctx) => {
    await sleep(Math.random() * 3);
    handled.push(`${ctx.chat.id}:${ctx.text}`);
    await ctx.reply(`echo ${ctx.text}`);
  });
  return bot;
}

describe('webhook ingest', () => {
  const prefix = uniquePrefix();
  const handled: string[] = [];
  let web: Kiosk;
  let second: Kiosk;
  let base: string;

  beforeAll(async () => {
    web = createKiosk({ config: config(prefix), bots: [echoBot(handled)], adapters: [signedJson], logger });
    // A second process's worth of workers against the same Redis.
    second = createKiosk({ config: config(prefix), bots: [echoBot(handled)], adapters: [signedJson], logger });
    base = await web.listen(0);
    await web.startWorkers();
    await second.startWorkers();
  });

  afterAll(async () => {
    await web.close();
    await second.close();
    await dropPrefix(prefix);
  });

  beforeEach(() => {
    handled.length = 0;
    sentBySignedAdapter.length = 0;
  });

  test('a signed update is acknowledged, handled, and answered', async () => {
    const res = await postSigned(base, 'echo', SECRET, [{ id: 'a1', chat: 'c1', text: 'hello' }]);
    expect(res.status).toBe(200);
    await waitUntil(() => sentBySignedAdapter.length === 1, 'the echo reply');
    expect(sentBySignedAdapter[0]!.message.text).toBe('echo hello');
    expect(sentBySignedAdapter[0]!.conversation).toMatchObject({ bot: 'echo', platform: 'signed', chat: 'c1' });
  });

  test('a webhook retried three times at once, and again after it was handled, is handled once', async () => {
    const update = [{ id: 'dup-1', chat: 'c2', text: 'once' }];
    const statuses = await Promise.all([1, 2, 3].map(() => postSigned(base, 'echo', SECRET, update)));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 200]);
    await waitUntil(() => handled.length === 1, 'the update to be handled');
    expect((await postSigned(base, 'echo', SECRET, update)).status).toBe(200);
    await sleep(300);
    expect(handled).toEqual(['c2:once']);
    expect(sentBySignedAdapter).toHaveLength(1);
  });

  test('a bad signature is 401 and nothing is queued', async () => {
    const res = await postSigned(base, 'echo', SECRET, [{ id: 'bad-1', chat: 'c3', text: 'x' }], 'deadbeef');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('KIOSK_SIGNATURE_INVALID');
    const missing = await fetch(`${base}/webhooks/echo/signed`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    await sleep(200);
    expect(handled).toEqual([]);
  });

  test('a malformed body is 400 with a reason naming the field', async () => {
    const res = await postSigned(base, 'echo', SECRET, [{ id: 'm1', chat: 'c4', text: 7 as unknown as string }]);
    expect(res.status).toBe(400);
    const error = JSON.parse(res.body).error;
    expect(error.code).toBe('KIOSK_PAYLOAD_INVALID');
    expect(error.message).toContain('updates.0.text');
  });

  test('unknown bot or platform is 404', async () => {
    expect((await postSigned(base, 'nobody', SECRET, [{ id: 'n', chat: 'c', text: 'x' }])).status).toBe(404);
    expect((await fetch(`${base}/webhooks/echo/carrier-pigeon`, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  test('a body over 1 MiB is 413', async () => {
    const res = await fetch(`${base}/webhooks/echo/signed`, { method: 'POST', body: 'x'.repeat(1_048_577) });
    expect(res.status).toBe(413);
  });

  test('healthz and readyz answer', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: 'up' });
  });

  test('updates of one chat posted over many connections are handled in the order each was acknowledged', async () => {
    const connections = 8;
    const perConnection = 25;
    await Promise.all(
      Array.from({ length: connections }, async (_, c) => {
        for (let i = 0; i < perConnection; i++) {
          const res = await postSigned(base, 'echo', SECRET, [{ id: `ord-${c}-${i}`, chat: 'busy', text: `${c}.${i}` }]);
          expect(res.status).toBe(200);
        }
      }),
    );
    await waitUntil(() => handled.length === connections * perConnection, 'every ordered update', 20_000);
    for (let c = 0; c < connections; c++) {
      const mine = handled.filter((h) => h.startsWith(`busy:${c}.`)).map((h) => Number(h.split('.')[1]));
      expect(mine).toEqual(Array.from({ length: perConnection }, (_, i) => i));
    }
    // Both "processes" took part in the work.
    expect(new Set(handled).size).toBe(connections * perConnection);
  });

  test('several updates in one request keep their order', async () => {
    const updates = Array.from({ length: 20 }, (_, i) => ({ id: `batch-${i}`, chat: 'multi', text: String(i) }));
    expect((await postSigned(base, 'echo', SECRET, updates)).status).toBe(200);
    await waitUntil(() => handled.length === 20, 'the batch');
    expect(handled).toEqual(updates.map((u) => `multi:${u.text}`));
  });
});
