/**
 * A customer's data rights through a real Kiosk: two customers write, keep a session, answer
 * a flow, get jobs run (completed, delayed, failed), messages delivered, a broadcast and a web
 * chat; one is exported and erased, and a scan of every key under the prefix, values included,
 * finds nothing of theirs while the other's data is intact.
 */
import type { Redis } from 'ioredis';
import { Bot, createKiosk, createLogger, defineJob, Flow, flows, session, z, type Context, type FlowFlavor, type Kiosk, type SessionFlavor } from '../../framework/index';
import { eraseCustomerData, exportCustomerData, type CustomerDataHook, type CustomerExport } from '../../framework/privacy';
import { openWebchat, type WebchatClient } from '../../framework/testing/webchat-client';
import { webchat } from '../../framework/adapters/webchat/adapter';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { connect, uniquePrefix } from '../helpers/redis';
import { postSigned, sentBySignedAdapter, signedJson } from '../helpers/signed-adapter';
import { waitUntil } from '../helpers/wait';

const SECRET = 'dev-only-signed-secret';
type ShopContext = Context & SessionFlavor<{ notes: string[] }> & FlowFlavor;

const order = defineJob({
  name: 'shop.order',
  schema: z.object({ item: z.string() }),
  async handler(job) {
    await job.notify(`Order of ${job.data.item} confirmed`);
    return { item: job.data.item };
  },
});
const remind = defineJob({ name: 'shop.remind', schema: z.object({ about: z.string() }), handler: async () => undefined });
const refund = defineJob({
  name: 'shop.refund',
  schema: z.object({ reason: z.string() }),
  attempts: 1,
  onFailure: false,
  async handler(job) {
    throw new Error(`refund refused: ${job.data.reason}`);
  },
});

function shopBot(extra?: (bot: Bot<ShopContext>) => void): Bot<ShopContext> {
  const address = new Flow<{ street?: string }, ShopContext>('address', {
    data: z.object({ street: z.string().optional() }),
    initial: () => ({}),
    idleTimeoutMs: 3_600_000,
  });
  address.step('street', { ask: 'Your street?', schema: z.string().min(1), answer: (_ctx, street, step) => void (step.data.street = street) });
  address.step('floor', { ask: 'Your floor?', schema: z.string().min(1), answer: (_ctx, _floor, step) => step.finish() });
  const bot = new Bot<ShopContext>('shop');
  bot.use(session({ initial: () => ({ notes: [] as string[] }) }));
  bot.use(flows([address]));
  // The signed test platform parses no commands: plain words route here.
  bot.hears('address', (ctx) => ctx.flow.start(address));
  bot.hears(/^order (.+)$/, async (ctx) => {
    const item = ctx.match[1]!;
    await ctx.enqueue(order, { item });
    await ctx.enqueue(remind, { about: item }, { delay: 3_600_000 });
    await ctx.enqueue(refund, { reason: item });
    await ctx.reply('Order received');
  });
  extra?.(bot);
  bot.on('message:text', async (ctx) => {
    ctx.session.notes.push(ctx.text);
    await ctx.reply(`Noted: ${ctx.text}`);
  });
  return bot;
}

/** What must not change in an export when another customer is erased (TTLs tick on). */
const shape = (d: CustomerExport) => ({
  customer: d.customer,
  sessions: d.sessions.map((s) => s.value),
  flows: d.flows.map((f) => f.value),
  ids: [d.inboundUpdates, d.jobs, d.outboundMessages].map((list) => list.map((j) => j.id).sort()),
  deliveries: d.deliveries.map((r) => r.deliveryId).sort(),
  broadcasts: d.broadcasts,
  business: d.business,
});

/** Every key under the prefix with its value as text, whatever its type. */
async function dump(redis: Redis, prefix: string): Promise<Array<{ key: string; text: string }>> {
  const out: Array<{ key: string; text: string }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      out.push({ key, text: `${key} ${JSON.stringify(value)}` });
    }
  } while (cursor !== '0');
  return out;
}

describe('customer data export and erasure', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  const records = new Map<string, string[]>();
  const hook: CustomerDataHook = {
    name: 'orders',
    export: (customer) => ({ orders: records.get(customer.id) ?? [] }),
    erase: (customer) => {
      const count = records.get(customer.id)?.length ?? 0;
      records.delete(customer.id);
      return count;
    },
  };
  let kiosk: Kiosk;
  let base: string;
  let aliceWeb: WebchatClient;
  let bobWeb: WebchatClient;
  const alice = 'alice-7f3k2q';
  const bob = 'bob-9x8w7v';
  let seq = 0;
  const say = (chat: string, text: string) => postSigned(base, 'shop', SECRET, [{ id: `u${++seq}`, chat, text }]);
  const repliesTo = (chat: string) => sentBySignedAdapter.filter((s) => s.conversation.chat === chat).map((s) => s.message.text);

  beforeAll(async () => {
    const config = testConfig(prefix, { shop: { signed: { secret: SECRET, windowHours: 24 }, webchat: { secret: 'dev-only-webchat-secret-0123456789' } } });
    kiosk = createKiosk({ config, bots: [shopBot()], adapters: [signedJson, webchat], jobs: [order, remind, refund], logger: createLogger({ level: 'silent' }), privacy: hook });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();

    for (const [who, marker] of [[alice, 'ALICEMARK'], [bob, 'BOBMARK']] as const) {
      await say(who, `note ${marker}-note`);
      await say(who, `order ${marker}-item`);
      await say(who, 'address');
      await say(who, `${marker}-street`);
      records.set(await (await kiosk.identity.customerOf({ platform: 'signed', user: who })).id, [`${marker}-invoice`]);
    }
    await waitUntil(() => repliesTo(alice).includes('Your floor?') && repliesTo(bob).includes('Your floor?'), 'both flows to reach their second step');
    await waitUntil(() => repliesTo(alice).includes('Order of ALICEMARK-item confirmed') && repliesTo(bob).includes('Order of BOBMARK-item confirmed'), 'both orders');
    await kiosk.broadcast({ id: 'promo-1', content: 'Spring sale', recipients: [alice, bob].map((chat) => ({ conversation: { bot: 'shop', platform: 'signed', chat, user: chat } })) });
    await waitUntil(async () => (await kiosk.broadcastReport('promo-1')).done, 'the broadcast');

    aliceWeb = await openWebchat(base, 'shop');
    bobWeb = await openWebchat(base, 'shop');
    await aliceWeb.send('ALICEMARK-webchat');
    await bobWeb.send('BOBMARK-webchat');
    await aliceWeb.nextMessage();
    await bobWeb.nextMessage();
    aliceWeb.close();
    bobWeb.close();
    // Let the last jobs finish, so none is active when the erasure runs.
    await waitUntil(async () => {
      const queues = [order, refund].map((job) => kiosk.jobsQueue(job));
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('active', 'waiting')));
      return counts.every((c) => c.active === 0 && c.waiting === 0);
    }, 'jobs to settle');
  });

  afterAll(async () => {
    await kiosk.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  test('an export holds the customer\'s session, flow, updates, jobs in every state, deliveries, broadcast and business records, and nothing of the other customer', async () => {
    const data = await exportCustomerData(kiosk, { platform: 'signed', user: alice });
    const text = JSON.stringify(data);
    expect(JSON.parse(text)).toEqual(data);
    expect(text).not.toContain('BOBMARK');
    expect(data.sessions).toHaveLength(1);
    expect(data.sessions[0]!.value).toEqual({ notes: expect.arrayContaining(['note ALICEMARK-note']) });
    expect(JSON.stringify(data.flows)).toContain('ALICEMARK-street');
    expect(data.serviceWindows.length).toBeGreaterThan(0);
    expect(data.inboundUpdates.map((j) => (j.data as { message?: { text?: string } }).message?.text)).toEqual(expect.arrayContaining(['order ALICEMARK-item', 'ALICEMARK-street']));
    const states = new Map(data.jobs.map((j) => [j.name, j.state]));
    expect(states.get('shop.order')).toBe('completed');
    expect(states.get('shop.remind')).toBe('delayed');
    expect(states.get('shop.refund')).toBe('failed');
    expect(states.get('kiosk.flow-timeout')).toBe('delayed');
    expect(data.outboundMessages.length).toBeGreaterThanOrEqual(4);
    expect(data.deliveries.length).toBeGreaterThanOrEqual(4);
    expect(data.broadcasts).toEqual(['promo-1']);
    expect(data.business).toEqual({ orders: { orders: ['ALICEMARK-invoice'] } });

    const web = await exportCustomerData(kiosk, { platform: 'webchat', user: aliceWeb.visitor });
    expect(JSON.stringify(web.webchatReplies)).toContain('Noted: ALICEMARK-webchat');
    expect(JSON.stringify(web)).not.toContain('BOBMARK');
  });

  test('after erasure no key or value under the prefix mentions the erased customer, and the other customer\'s data is intact', async () => {
    const bobBefore = await exportCustomerData(kiosk, { platform: 'signed', user: bob });
    const erased = await eraseCustomerData(kiosk, { platform: 'signed', user: alice });
    const erasedWeb = await eraseCustomerData(kiosk, { platform: 'webchat', user: aliceWeb.visitor });
    expect(erased.activeJobs).toBe(0);
    expect(erased.counts).toMatchObject({ sessions: 1, flows: 1, business: 1, broadcastEntries: 1 });
    expect(erased.counts.jobs).toBeGreaterThanOrEqual(4);
    expect(erased.counts.inboundUpdates).toBeGreaterThanOrEqual(4);
    expect(erased.counts.outboundMessages).toBeGreaterThanOrEqual(4);
    expect(erased.counts.deliveries).toBeGreaterThanOrEqual(4);
    expect(erasedWeb.counts.webchatStreams).toBe(1);

    const everything = await dump(redis, prefix);
    const needles = [alice, aliceWeb.visitor, 'ALICEMARK'];
    const leaks = everything.filter(({ text }) => needles.some((n) => text.includes(n)));
    expect(leaks.map((l) => l.text.slice(0, 200))).toEqual([]);
    // The scan would have found them: the other customer's are all still there.
    const all = everything.map((e) => e.text).join('\n');
    for (const needle of [bob, bobWeb.visitor, 'BOBMARK-note', 'BOBMARK-street', 'BOBMARK-item', 'BOBMARK-webchat']) expect(all).toContain(needle);

    const bobAfter = await exportCustomerData(kiosk, { platform: 'signed', user: bob });
    expect(shape(bobAfter)).toEqual(shape(bobBefore));
    expect(bobAfter.jobs.length).toBeGreaterThanOrEqual(4);

    const again = await exportCustomerData(kiosk, { platform: 'signed', user: alice });
    expect([again.sessions, again.flows, again.jobs, again.inboundUpdates, again.outboundMessages, again.deliveries, again.broadcasts].every((list) => list.length === 0)).toBe(true);
  });

  test('an export or erasure without a platform or user is refused with an error naming the field', async () => {
    await expect(exportCustomerData(kiosk, { platform: 'signed', user: '' })).rejects.toMatchObject({ code: 'KIOSK_PAYLOAD_INVALID', path: ['user'] });
    await expect(eraseCustomerData(kiosk, { platform: '', user: bob })).rejects.toMatchObject({ code: 'KIOSK_PAYLOAD_INVALID', path: ['platform'] });
  });
});

describe('retention from configuration', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  let kiosk: Kiosk;
  let base: string;
  const brief = defineJob({ name: 'shop.brief', schema: z.object({}), removeOnComplete: { age: 10 }, handler: async () => undefined });
  const DAY = 86_400;

  beforeAll(async () => {
    const config = testConfig(prefix, { shop: { signed: { secret: SECRET } } }, { retention: { sessionDays: 2, finishedJobDays: 0.5, failedJobDays: 3, deliveryRecordDays: 0.25 } });
    const bot = shopBot((b) =>
      b.hears('brief', async (ctx) => {
        await ctx.enqueue(brief, {});
        await ctx.reply('brief queued');
      }),
    );
    kiosk = createKiosk({ config, bots: [bot], adapters: [signedJson], jobs: [order, remind, refund, brief], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
    await postSigned(base, 'shop', SECRET, [{ id: 'r1', chat: 'ret-1', text: 'order tea' }]);
    await postSigned(base, 'shop', SECRET, [{ id: 'r2', chat: 'ret-1', text: 'brief' }]);
    await postSigned(base, 'shop', SECRET, [{ id: 'r3', chat: 'ret-1', text: 'address' }]);
    await waitUntil(() => sentBySignedAdapter.some((s) => s.conversation.chat === 'ret-1' && s.message.text === 'Your street?'), 'the last reply');
  });

  afterAll(async () => {
    await kiosk.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  const ttl = (key: string) => redis.ttl(`${prefix}:${key}`);

  test('sessions and flows expire after sessionDays, even when the bot asks for longer', async () => {
    // session() asks for 30 days and flows() for 7: both are capped at the configured 2.
    expect(await ttl('session:shop:signed:ret-1')).toBeGreaterThan(2 * DAY - 60);
    expect(await ttl('session:shop:signed:ret-1')).toBeLessThanOrEqual(2 * DAY);
    expect(await ttl('session:flow:shop:signed:ret-1:ret-1')).toBeGreaterThan(2 * DAY - 60);
    expect(await ttl('session:flow:shop:signed:ret-1:ret-1')).toBeLessThanOrEqual(2 * DAY);
  });

  test('finished and failed jobs are kept for finishedJobDays and failedJobDays, unless a job asks for less', async () => {
    const [ordered] = await kiosk.jobsQueue(order).getJobs(['completed', 'waiting', 'active'], 0, 0);
    expect(ordered!.opts.removeOnComplete).toEqual({ age: DAY / 2 });
    expect(ordered!.opts.removeOnFail).toEqual({ age: 3 * DAY });
    await waitUntil(async () => (await kiosk.jobsQueue(brief).getJobCounts('completed')).completed === 1, 'the brief job');
    const [briefJob] = await kiosk.jobsQueue(brief).getJobs(['completed'], 0, 0);
    expect(briefJob!.opts.removeOnComplete).toEqual({ age: 10 });
    const inbound = (await Promise.all([0, 1].map((p) => redis.hget(`${prefix}:inbound-${p}:signed-shop-r1`, 'opts')))).find((o) => o !== null);
    expect(JSON.parse(inbound!).removeOnComplete).toEqual({ age: DAY / 2 });
  });

  test('delivery records and delivered jobs are kept for deliveryRecordDays', async () => {
    const keys = await redis.keys(`${prefix}:delivered:d-r-signed-shop-r1-*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(await redis.ttl(key)).toBeGreaterThan(DAY / 4 - 60);
      expect(await redis.ttl(key)).toBeLessThanOrEqual(DAY / 4);
    }
    const jobId = keys[0]!.slice(`${prefix}:delivered:`.length);
    const stored = await Promise.all([0, 1, 2, 3].map((p) => redis.hget(`${prefix}:delivery-signed-shop-${p}:${jobId}`, 'opts')));
    const opts = JSON.parse(stored.find((o) => o !== null)!) as { removeOnComplete: unknown; removeOnFail: unknown };
    expect(opts.removeOnFail).toEqual({ age: 3 * DAY });
    expect(opts.removeOnComplete).toEqual({ age: DAY / 4 });
  });
});
