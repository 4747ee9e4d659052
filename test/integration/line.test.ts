/**
 * LINE end to end: webhook bodies shaped like LINE's documentation, signed with the channel
 * secret, posted to a running Kiosk, handled by a bot, and answered on the fake Messaging API:
 * by reply while the event's token is fresh, by push otherwise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { line } from '../../framework/adapters/line/adapter';
import { builtinAdapters } from '../../framework/adapters/registry';
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeLine, type FakeLine } from '../../framework/testing/fake-line';
import { lineFollowEvent, lineId, lineLocationEvent, linePostbackEvent, lineTextEvent, lineWebhookBody, postLine } from '../../framework/testing/line-client';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

const SECRET = 'dev-only-line-channel-secret';
const ACCESS_TOKEN = 'dev-only-line-access-token';
const sample = (name: string): { destination: string; events: Array<Record<string, unknown>> } =>
  JSON.parse(readFileSync(join(__dirname, '../../framework/adapters/line/samples', `${name}.json`), 'utf8'));

describe('LINE through Kiosk', () => {
  const prefix = uniquePrefix();
  let fake: FakeLine;
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeLine({ tokens: [ACCESS_TOKEN] });
    const bot = new Bot('taxi');
    bot.command('start', (ctx) => ctx.reply(ctx.match ? `Welcome (${ctx.match})` : 'Welcome', { buttons: [[{ label: 'Order a taxi', data: 'taxi:order' }]] }));
    bot.command('twice', async (ctx) => {
      await ctx.reply('First');
      await ctx.reply('Second');
    });
    bot.on('message:location', (ctx) => ctx.reply(`Pickup at ${ctx.location.latitude.toFixed(3)}, ${ctx.location.longitude.toFixed(3)}`));
    bot.button('taxi:order', (ctx) => ctx.reply('Where shall we pick you up?'));
    bot.event('subscribe', (ctx) => ctx.reply('Thanks for adding us'));
    bot.hears(/.*/, (ctx) => ctx.reply(`You said: ${ctx.text ?? ''}`));
    const config = testConfig(prefix, { taxi: { line: { channelSecret: SECRET, channelAccessToken: ACCESS_TOKEN, apiRoot: fake.apiRoot } } }, { inboundPartitions: 4 });
    kiosk = createKiosk({ config, bots: [bot], adapters: [...builtinAdapters, line], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  beforeEach(() => fake.reset());

  test('/start from LINE’s documented shape is answered by reply, with quick-reply buttons', async () => {
    const body = sample('start-command');
    const event = body.events[0]!;
    const user = (event.source as { userId: string }).userId;
    // The sample's token, issued afresh by the fake, and a timestamp of now so it is still valid.
    fake.issueReplyToken(user, { token: event.replyToken as string });
    const res = await postLine(base, 'taxi', { ...body, events: [{ ...event, timestamp: Date.now() }] }, SECRET);
    expect(res.status).toBe(200);
    const sent = await fake.waitFor((m) => m.to === user);
    expect(sent).toMatchObject({ via: 'reply', text: 'Welcome (ref-42)', replyToken: event.replyToken });
    expect(sent.quickReply?.items[0]?.action).toEqual({ type: 'postback', label: 'Order a taxi', data: 'taxi:order', displayText: 'Order a taxi' });
  });

  test('a pretty-printed body is verified over its raw bytes and handled', async () => {
    const user = lineId();
    const body = JSON.stringify(lineWebhookBody([lineTextEvent({ userId: user, text: 'hello', replyToken: fake.issueReplyToken(user) })]), null, 2);
    expect((await postLine(base, 'taxi', body, SECRET)).status).toBe(200);
    expect((await fake.waitFor((m) => m.to === user)).text).toBe('You said: hello');
  });

  test('a postback reaches bot.button', async () => {
    const user = lineId();
    await postLine(base, 'taxi', [linePostbackEvent({ userId: user, data: 'taxi:order', replyToken: fake.issueReplyToken(user) })], SECRET);
    expect(await fake.waitFor((m) => m.to === user)).toMatchObject({ via: 'reply', text: 'Where shall we pick you up?' });
  });

  test('a follow is the subscribe event', async () => {
    const user = lineId();
    await postLine(base, 'taxi', [lineFollowEvent({ userId: user, replyToken: fake.issueReplyToken(user) })], SECRET);
    expect((await fake.waitFor((m) => m.to === user)).text).toBe('Thanks for adding us');
  });

  test('several events in one request are each handled, in their own chats', async () => {
    const [a, b] = [lineId(), lineId()];
    const group = lineId('C');
    const res = await postLine(
      base,
      'taxi',
      [
        lineTextEvent({ userId: a, text: 'one', replyToken: fake.issueReplyToken(a) }),
        lineLocationEvent({ userId: b, latitude: 35.67966, longitude: 139.73669, replyToken: fake.issueReplyToken(b) }),
        lineTextEvent({ userId: a, groupId: group, text: 'in the group', replyToken: fake.issueReplyToken(group) }),
      ],
      SECRET,
    );
    expect(res.status).toBe(200);
    expect((await fake.waitFor((m) => m.to === a)).text).toBe('You said: one');
    expect((await fake.waitFor((m) => m.to === b)).text).toBe('Pickup at 35.680, 139.737');
    expect(await fake.waitFor((m) => m.to === group)).toMatchObject({ via: 'reply', text: 'You said: in the group' });
  });

  test('the second answer to one event goes out as a push', async () => {
    const user = lineId();
    await postLine(base, 'taxi', [lineTextEvent({ userId: user, text: '/twice', replyToken: fake.issueReplyToken(user) })], SECRET);
    await fake.waitFor((m) => m.to === user && m.text === 'Second');
    expect(fake.sent.filter((m) => m.to === user).map((m) => [m.via, m.text])).toEqual([
      ['reply', 'First'],
      ['push', 'Second'],
    ]);
  });

  test('an event whose reply token LINE already expired is answered by push', async () => {
    const user = lineId();
    const token = fake.issueReplyToken(user, { issuedAt: Date.now() - 120_000 });
    await postLine(base, 'taxi', [lineTextEvent({ userId: user, text: 'slow', replyToken: token })], SECRET);
    expect(await fake.waitFor((m) => m.to === user)).toMatchObject({ via: 'push', text: 'You said: slow' });
    expect(fake.calls.filter((c) => c.status === 400).map((c) => c.endpoint)).toEqual(['reply']);
  });

  test('a wrong signature is 401 and reaches no handler', async () => {
    const user = lineId();
    const res = await postLine(base, 'taxi', [lineTextEvent({ userId: user, text: 'hi' })], 'not-the-secret');
    expect(res.status).toBe(401);
    await sleep(300);
    expect(fake.sent).toHaveLength(0);
  });

  test('a malformed body is 400 naming the field', async () => {
    const user = lineId();
    const event = { ...lineTextEvent({ userId: user, text: 'hi' }), webhookEventId: 42 };
    const res = await postLine(base, 'taxi', [event], SECRET);
    expect(res.status).toBe(400);
    expect(res.body).toContain('events.0.webhookEventId');
  });

  test('LINE’s verify ping (no events) is 200 and handles nothing', async () => {
    expect((await postLine(base, 'taxi', sample('verify-ping'), SECRET)).status).toBe(200);
    await sleep(200);
    expect(fake.sent).toHaveLength(0);
  });

  test('a retried webhook, and a redelivery after it was handled, are answered once', async () => {
    const user = lineId();
    const event = lineTextEvent({ userId: user, text: 'just once', replyToken: fake.issueReplyToken(user) });
    const results = await Promise.all([1, 2, 3].map(() => postLine(base, 'taxi', [event], SECRET)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    await fake.waitFor((m) => m.to === user);
    // LINE redelivers the same event (same webhookEventId) with isRedelivery: true.
    expect((await postLine(base, 'taxi', [{ ...event, deliveryContext: { isRedelivery: true } }], SECRET)).status).toBe(200);
    await sleep(400);
    expect(fake.sent.filter((m) => m.to === user)).toHaveLength(1);
  });
});
