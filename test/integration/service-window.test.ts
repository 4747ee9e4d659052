/**
 * Customer-service windows and delivery records, end to end: a platform that allows a few
 * free-form messages after the customer writes and only templates otherwise, and status
 * callbacks that move the delivery records forward.
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
const bill = { id: 'bill_issued', fields: { amount: '42.00 EUR' } };

describe('customer-service windows', () => {
  const prefix = uniquePrefix();
  const replies: string[] = [];
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    const bot = new Bot('shop');
    bot.on('message:text', async (ctx) => {
      for (let i = 1; i <= 3; i++) replies.push((await ctx.reply(`reply ${i} to ${ctx.text}`)).deliveryId!);
    });
    kiosk = createKiosk({
      config: testConfig(prefix, { shop: { signed: { secret: SECRET, windowHours: 24, windowBudget: 2 } } }),
      bots: [bot],
      adapters: [signedJson],
      logger,
    });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await dropPrefix(prefix);
  });

  beforeEach(() => {
    sentBySignedAdapter.length = 0;
    replies.length = 0;
  });

  test('after the customer writes, only the budget of free-form messages goes out; the rest is refused as window-closed', async () => {
    expect((await postSigned(base, 'shop', SECRET, [{ id: 'w1', chat: 'alice', text: 'hi' }])).status).toBe(200);
    await waitUntil(() => sentBySignedAdapter.length === 2, 'two replies');
    await sleep(500);
    expect(sentBySignedAdapter.map((s) => s.message.text)).toEqual(['reply 1 to hi', 'reply 2 to hi']);
    expect(await kiosk.deliveryRecord(replies[2]!)).toBeUndefined();
  });

  test('outside the window a message with a template falls back to the template, one without is not sent', async () => {
    await kiosk.deliver({ bot: 'shop', platform: 'signed', chat: 'bob', user: 'bob' }, { text: 'Your bill is 42 EUR', template: bill }, 'bill-bob-1');
    await kiosk.deliver({ bot: 'shop', platform: 'signed', chat: 'bob', user: 'bob' }, { text: 'Just saying hello' }, 'hello-bob-1');
    await waitUntil(() => sentBySignedAdapter.length === 1, 'the template');
    await sleep(500);
    expect(sentBySignedAdapter).toHaveLength(1);
    expect(sentBySignedAdapter[0]!.message).toEqual({ template: bill });
  });

  test('inside the window a message with text and a template goes out as text', async () => {
    await postSigned(base, 'shop', SECRET, [{ id: 'w2', chat: 'carol', text: 'hello' }]);
    await waitUntil(() => sentBySignedAdapter.length === 2, 'the replies');
    sentBySignedAdapter.length = 0;
    // The budget of 2 is spent by the replies; a new message from the customer opens a new window.
    await postSigned(base, 'shop', SECRET, [{ id: 'w3', chat: 'carol', text: 'again' }]);
    await waitUntil(() => sentBySignedAdapter.length === 2, 'the replies to the second message');
    await kiosk.deliver({ bot: 'shop', platform: 'signed', chat: 'carol', user: 'carol' }, { text: 'Your bill', template: bill }, 'bill-carol-1');
    await sleep(500);
    // Budget spent again: the bill falls back to its template.
    expect(sentBySignedAdapter[2]!.message).toEqual({ template: bill });
  });
});

describe('delivery records', () => {
  const prefix = uniquePrefix();
  const replies: string[] = [];
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    const bot = new Bot('shop');
    bot.on('message:text', async (ctx) => {
      replies.push((await ctx.reply(`echo ${ctx.text}`)).deliveryId!);
    });
    kiosk = createKiosk({ config: testConfig(prefix, { shop: { signed: { secret: SECRET } } }), bots: [bot], adapters: [signedJson], logger });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await dropPrefix(prefix);
  });

  test('status callbacks move a delivery record forward, never back', async () => {
    sentBySignedAdapter.length = 0;
    await postSigned(base, 'shop', SECRET, [{ id: 'r1', chat: 'dave', text: 'ping' }]);
    await waitUntil(() => sentBySignedAdapter.length === 1, 'the reply');
    await waitUntil(async () => (await kiosk.deliveryRecord(replies[0]!)) !== undefined, 'the record');
    const sent = await kiosk.deliveryRecord(replies[0]!);
    expect(sent).toMatchObject({ bot: 'shop', platform: 'signed', chat: 'dave', state: 'sent' });
    const messageId = sent!.platformMessageId!;

    expect((await postSigned(base, 'shop', SECRET, [], undefined, [{ messageId, state: 'read' }])).status).toBe(200);
    expect(await kiosk.deliveryRecord(replies[0]!)).toMatchObject({ state: 'read' });
    // A late "delivered" does not undo "read"; a status of a message Kiosk never sent is ignored.
    await postSigned(base, 'shop', SECRET, [], undefined, [{ messageId, state: 'delivered' }, { messageId: 'unknown', state: 'failed' }]);
    expect(await kiosk.deliveryRecord(replies[0]!)).toMatchObject({ state: 'read' });
  });
});
