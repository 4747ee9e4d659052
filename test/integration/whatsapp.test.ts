/**
 * WhatsApp end to end: Cloud-API-shaped webhooks (from Meta's documentation) signed with the
 * app secret and posted to a running Kiosk, handled by a bot, answered on the fake Cloud API;
 * Meta's verification handshake; status callbacks moving delivery records; the 24-hour window.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { whatsapp } from '../../framework/adapters/whatsapp/adapter';
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeWhatsapp, type FakeWhatsapp } from '../../framework/testing/fake-whatsapp';
import {
  postWhatsapp,
  verifyWhatsappWebhook,
  whatsappButtonReply,
  whatsappText,
  whatsappWebhook,
} from '../../framework/testing/whatsapp-client';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';

const APP_SECRET = 'dev-only-whatsapp-app-secret';
const VERIFY_TOKEN = 'dev-only-whatsapp-verify-token';
const ACCESS_TOKEN = 'dev-only-whatsapp-access-token';
const PHONE = '106540352242922';
const sample = (name: string): string => readFileSync(join(__dirname, '../../framework/adapters/whatsapp/samples', `${name}.json`), 'utf8');

describe('WhatsApp through Kiosk', () => {
  const prefix = uniquePrefix();
  const deliveries: string[] = [];
  let fake: FakeWhatsapp;
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeWhatsapp({ accessTokens: [ACCESS_TOKEN] });
    const bot = new Bot('taxi');
    bot.command('start', async (ctx) => {
      const sent = await ctx.reply(ctx.match ? `Welcome (${ctx.match})` : 'Welcome', {
        buttons: [[{ label: 'Order a taxi', data: 'taxi:order' }, { label: 'My rides', data: 'rides' }]],
      });
      if (sent.deliveryId) deliveries.push(sent.deliveryId);
    });
    bot.on('message:location', (ctx) => ctx.reply(`Pickup at ${ctx.location.latitude.toFixed(3)}, ${ctx.location.longitude.toFixed(3)}`));
    bot.button('taxi:order', (ctx) => ctx.reply(`Where shall we pick you up, ${ctx.from?.name ?? 'friend'}?`));
    bot.button('seat:row-4', (ctx) => ctx.reply('Row 4 it is'));
    bot.on('message:text', (ctx) => ctx.reply(`You said: ${ctx.text}`));
    const settings = { phoneNumberId: PHONE, accessToken: ACCESS_TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, apiRoot: fake.apiRoot };
    const config = testConfig(prefix, { taxi: { whatsapp: settings } }, { inboundPartitions: 4 });
    kiosk = createKiosk({ config, bots: [bot], adapters: [whatsapp], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  beforeEach(() => {
    fake.reset();
    deliveries.length = 0;
  });

  test('Meta’s verification request is answered with the challenge as text/plain', async () => {
    const answer = await verifyWhatsappWebhook(base, 'taxi', VERIFY_TOKEN, '1158201444');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('1158201444');
    expect(answer.contentType).toMatch(/^text\/plain/);
  });

  test('a verification request with the wrong verify token is refused', async () => {
    expect((await verifyWhatsappWebhook(base, 'taxi', 'not-the-token', '1158201444')).status).toBe(401);
  });

  test('one pretty-printed request with several customers’ messages is answered to each of them', async () => {
    const res = await postWhatsapp(base, 'taxi', sample('multi-message'), APP_SECRET);
    expect(res.status).toBe(200);
    const welcome = await fake.waitFor((m) => m.to === '4915112345678' && m.type === 'interactive');
    expect(welcome).toMatchObject({ interactiveType: 'button', text: 'Welcome (ref-42)' });
    expect((welcome.message.interactive as { action: unknown }).action).toEqual({
      buttons: [
        { type: 'reply', reply: { id: 'taxi:order', title: 'Order a taxi' } },
        { type: 'reply', reply: { id: 'rides', title: 'My rides' } },
      ],
    });
    expect((await fake.waitFor((m) => m.to === '16505551234')).text).toBe('Pickup at 37.483, -122.149');
  });

  test('a reply-button press reaches the bot’s button handler with the customer’s profile name', async () => {
    const res = await postWhatsapp(base, 'taxi', sample('interactive-button-reply'), APP_SECRET);
    expect(res.status).toBe(200);
    expect((await fake.waitFor(1))[0]?.text).toBe('Where shall we pick you up, Sheena Nelson?');
  });

  test('a list choice reaches the bot’s button handler', async () => {
    await postWhatsapp(base, 'taxi', sample('interactive-list-reply'), APP_SECRET);
    expect((await fake.waitFor(1))[0]?.text).toBe('Row 4 it is');
  });

  test('a wrong signature is 401 and reaches no handler', async () => {
    const body = JSON.stringify(whatsappWebhook({ messages: [whatsappText({ from: '301', text: 'hi' })] }));
    const res = await postWhatsapp(base, 'taxi', body, 'not-the-app-secret');
    expect(res.status).toBe(401);
    await sleep(300);
    expect(fake.sent).toHaveLength(0);
  });

  test('a body signed after re-serialising is 401: the signature is over the bytes as sent', async () => {
    const pretty = sample('text-message');
    const { createHmac } = await import('node:crypto');
    const overJson = `sha256=${createHmac('sha256', APP_SECRET).update(JSON.stringify(JSON.parse(pretty))).digest('hex')}`;
    expect((await postWhatsapp(base, 'taxi', pretty, APP_SECRET, overJson)).status).toBe(401);
  });

  test('a malformed body is 400 naming the field', async () => {
    const body = JSON.stringify(whatsappWebhook({ messages: [whatsappText({ from: '302', text: 'hi' })] })).replace('"from":"302",', '');
    const res = await postWhatsapp(base, 'taxi', body, APP_SECRET);
    expect(res.status).toBe(400);
    expect(res.body).toContain('entry.0.changes.0.value.messages.0.from');
  });

  test('a retried webhook (the same message three times) is answered once', async () => {
    const body = JSON.stringify(whatsappWebhook({ messages: [whatsappText({ from: '303', text: 'once please', id: 'wamid.SGVsbG8gcmV0cnk=' })] }));
    const results = await Promise.all([1, 2, 3].map(() => postWhatsapp(base, 'taxi', body, APP_SECRET)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    await fake.waitFor(1);
    await sleep(300);
    expect(fake.sent.map((m) => m.text)).toEqual(['You said: once please']);
  });

  test('a request with only status callbacks is acknowledged, handled by no bot, and moves the delivery record to read', async () => {
    await postWhatsapp(base, 'taxi', whatsappWebhook({ messages: [whatsappText({ from: '304', text: '/start' })] }), APP_SECRET);
    const welcome = await fake.waitFor((m) => m.to === '304');
    await waitUntil(() => deliveries.length === 1, 'the reply’s delivery id');
    await waitUntil(async () => (await kiosk.deliveryRecord(deliveries[0]!))?.state === 'sent', 'the sent record');
    expect((await kiosk.deliveryRecord(deliveries[0]!))?.platformMessageId).toBe(welcome.id);
    const answer = await fake.deliverStatus(`${base}/webhooks/taxi/whatsapp`, APP_SECRET, [
      { id: welcome.id, status: 'delivered' },
      { id: welcome.id, status: 'read' },
    ]);
    expect(answer.status).toBe(200);
    await waitUntil(async () => (await kiosk.deliveryRecord(deliveries[0]!))?.state === 'read', 'the read record');
    await sleep(200);
    expect(fake.sent).toHaveLength(1);
  });

  test('a failed status with 131047 is recorded with Meta’s reason', async () => {
    await postWhatsapp(base, 'taxi', whatsappWebhook({ messages: [whatsappText({ from: '305', text: '/start' })] }), APP_SECRET);
    const welcome = await fake.waitFor((m) => m.to === '305');
    await waitUntil(() => deliveries.length === 1, 'the reply’s delivery id');
    await fake.deliverStatus(`${base}/webhooks/taxi/whatsapp`, APP_SECRET, { id: welcome.id, status: 'failed', errors: [{ code: 131047, title: 'Re-engagement message' }] });
    await waitUntil(async () => (await kiosk.deliveryRecord(deliveries[0]!))?.state === 'failed', 'the failed record');
    expect((await kiosk.deliveryRecord(deliveries[0]!))?.error).toMatch(/^131047 Re-engagement message/);
  });

  test('outside the 24-hour window a bill goes out as its template, and a message without one is not sent', async () => {
    const customer = { bot: 'taxi', platform: 'whatsapp', chat: '306', user: '306' };
    await kiosk.deliver(customer, { text: 'Your bill is 42 EUR', template: { id: 'bill_ready', language: 'en', fields: { amount: '42 EUR' } } }, 'wa-bill-306');
    await kiosk.deliver(customer, { text: 'Just saying hello' }, 'wa-hello-306');
    const [bill] = await fake.waitFor(1);
    expect(bill?.message.template).toEqual({ name: 'bill_ready', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '42 EUR' }] }] });
    await sleep(500);
    expect(fake.sent).toHaveLength(1);
  });

  test('a throughput limit (130429) is retried after the wait and the reply arrives', async () => {
    fake.failNext(1, { status: 429, code: 130429 });
    await postWhatsapp(base, 'taxi', whatsappWebhook({ messages: [whatsappText({ from: '307', text: 'busy?' })] }), APP_SECRET);
    const reply = await fake.waitFor((m) => m.to === '307', 8000);
    expect(reply.text).toBe('You said: busy?');
    expect(fake.calls.map((c) => c.code ?? c.status)).toEqual([130429, 200]);
  }, 15_000);

  test('a button press with the builders reaches the handler', async () => {
    await postWhatsapp(base, 'taxi', whatsappWebhook({ messages: [whatsappButtonReply({ from: '308', name: 'Ann', data: 'taxi:order' })] }), APP_SECRET);
    expect((await fake.waitFor((m) => m.to === '308')).text).toBe('Where shall we pick you up, Ann?');
  });
});
