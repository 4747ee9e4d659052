import type { Redis } from 'ioredis';
import type { Adapter } from '../../../framework/adapters/adapter';
import { telegram } from '../../../framework/adapters/telegram/adapter';
import type { Conversation, Update } from '../../../framework/core/update';
import { startFakeTelegram, type FakeTelegram } from '../../../framework/testing/fake-telegram';
import { deliveryError } from '../../helpers/delivery';
import { freePort } from '../../helpers/ports';
import { connect } from '../../helpers/redis';

const TOKEN = '123456:test-token';
const conversation: Conversation = { bot: 'taxi', platform: 'telegram', chat: '42', user: '42' };

describe('telegram adapter: send, against the fake Bot API', () => {
  let fake: FakeTelegram;
  let redis: Redis;
  let adapter: Adapter;

  beforeAll(async () => {
    fake = await startFakeTelegram({ tokens: [TOKEN] });
    redis = connect();
    adapter = telegram.create(telegram.settings.parse({ token: TOKEN, secretToken: 's', apiRoot: fake.apiRoot }), { bot: 'taxi', redis, prefix: 'kt' });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await fake.close();
    await redis.quit();
  });

  it('sends text with an inline keyboard: callback and url buttons', async () => {
    const sent = await adapter.send(conversation, {
      text: 'Where to?',
      buttons: [[{ label: 'Home', data: 'dest:home' }, { label: 'Work', data: 'dest:work' }], [{ label: 'Map', url: 'https://example.com/map' }]],
    });
    expect(sent).toEqual({ messageId: '1' });
    expect(fake.sent).toHaveLength(1);
    const [message] = fake.sent;
    expect(message).toMatchObject({ method: 'sendMessage', token: TOKEN, chat_id: '42', text: 'Where to?' });
    expect(message?.parse_mode).toBeUndefined();
    expect(message?.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: 'Home', callback_data: 'dest:home' }, { text: 'Work', callback_data: 'dest:work' }],
        [{ text: 'Map', url: 'https://example.com/map' }],
      ],
    });
  });

  it('message ids increase with each send', async () => {
    await adapter.send(conversation, { text: 'one' });
    expect(await adapter.send(conversation, { text: 'two' })).toEqual({ messageId: '2' });
  });

  it('html format sets parse_mode HTML and keeps the markup', async () => {
    await adapter.send(conversation, { text: '<b>Paid</b>', format: 'html' });
    expect(fake.sent[0]).toMatchObject({ text: '<b>Paid</b>', parse_mode: 'HTML' });
  });

  it('a card with a picture is a photo with an escaped HTML caption', async () => {
    await adapter.send(conversation, {
      card: { title: 'Bill <May>', description: 'Total: 5 & 6', imageUrl: 'https://example.com/bill.png', url: 'https://example.com/b?x=1&y=2' },
      buttons: [[{ label: 'Pay', data: 'pay' }]],
    });
    expect(fake.sent[0]).toMatchObject({
      method: 'sendPhoto',
      caption: '<a href="https://example.com/b?x=1&amp;y=2"><b>Bill &lt;May&gt;</b></a>\nTotal: 5 &amp; 6',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Pay', callback_data: 'pay' }]] },
    });
    expect(fake.sent[0]?.params.photo).toBe('https://example.com/bill.png');
  });

  it('a card without a picture is an HTML text message', async () => {
    await adapter.send(conversation, { card: { title: 'Seats', description: 'Friday' }, text: 'Row <3>' });
    expect(fake.sent[0]).toMatchObject({ method: 'sendMessage', text: '<b>Seats</b>\nFriday\nRow &lt;3&gt;', parse_mode: 'HTML' });
  });

  it('media go through their own methods, the text as the first caption, buttons on the last', async () => {
    const sent = await adapter.send(conversation, {
      text: 'Your ticket',
      media: [
        { kind: 'file', url: 'https://example.com/ticket.pdf' },
        { kind: 'image', url: 'https://example.com/seat.png', caption: 'Seat 12' },
      ],
      buttons: [[{ label: 'Refund', data: 'refund' }]],
    });
    expect(fake.sent.map((m) => [m.method, m.caption])).toEqual([
      ['sendDocument', 'Your ticket'],
      ['sendPhoto', 'Seat 12'],
    ]);
    expect(fake.sent[0]?.reply_markup).toBeUndefined();
    expect(fake.sent[1]?.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Refund', callback_data: 'refund' }]] });
    expect(sent).toEqual({ messageId: '2' });
  });

  it('a platform template degrades to one line per field', async () => {
    await adapter.send(conversation, { template: { id: 'bill_ready', fields: { amount: '12 EUR', due: { value: '1 June', color: '#f00' } }, url: 'https://example.com/b/1' } });
    expect(fake.sent[0]?.text).toBe('amount: 12 EUR\ndue: 1 June\nhttps://example.com/b/1');
  });

  it('an empty message is refused without calling Telegram', async () => {
    const error = await deliveryError(adapter.send(conversation, {}));
    expect(error.outcome).toEqual({ kind: 'give-up', reason: 'empty message' });
    expect(fake.calls).toHaveLength(0);
  });

  it('button data over 64 bytes is refused without calling Telegram', async () => {
    const error = await deliveryError(adapter.send(conversation, { text: 'x', buttons: [[{ label: 'Long', data: 'x'.repeat(65) }]] }));
    expect(error.outcome.kind).toBe('give-up');
    expect(error.message).toMatch(/65 bytes/);
    expect(fake.calls).toHaveLength(0);
  });

  it('429 is a DeliveryError to retry after Telegram’s retry_after', async () => {
    fake.failNext(1, { status: 429, retryAfter: 7 });
    const error = await deliveryError(adapter.send(conversation, { text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'retry-after', seconds: 7 });
    expect(error.status).toBe(429);
    expect(error.code).toBe('KIOSK_DELIVERY_FAILED');
    expect(fake.sent).toHaveLength(0);
    // The failure was for one call only: the retry goes through.
    await adapter.send(conversation, { text: 'hi' });
    expect(fake.sent.map((m) => m.text)).toEqual(['hi']);
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('500 is a DeliveryError to retry', async () => {
    fake.failNext(1, { status: 500 });
    const error = await deliveryError(adapter.send(conversation, { text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'retry' });
    expect(error.status).toBe(500);
  });

  it('403 (the customer blocked the bot) is a DeliveryError to give up', async () => {
    fake.failNext(1, { status: 403 });
    const error = await deliveryError(adapter.send(conversation, { text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'give-up', reason: 'Forbidden: bot was blocked by the user' });
    expect(error.status).toBe(403);
  });

  it('400 chat not found is a DeliveryError to give up', async () => {
    fake.failNext(1, { status: 400, description: 'Bad Request: chat not found' });
    const error = await deliveryError(adapter.send(conversation, { text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'give-up', reason: 'Bad Request: chat not found' });
  });

  it('a refused connection is a DeliveryError to retry', async () => {
    const port = await freePort();
    const offline = telegram.create(telegram.settings.parse({ token: TOKEN, secretToken: 's', apiRoot: `http://127.0.0.1:${port}` }), { bot: 'taxi', redis, prefix: 'kt' });
    const error = await deliveryError(offline.send(conversation, { text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'retry' });
    expect(error.message).not.toContain('test-token');
  });

  it('answerButton calls answerCallbackQuery with the press id and the notice', async () => {
    const update: Update = {
      id: '1', platform: 'telegram', bot: 'taxi', chat: { id: '42', type: 'private' }, from: { id: '42' },
      kind: 'button', button: { data: 'dest:home', id: 'cq-77' }, receivedAt: 0,
    };
    await adapter.answerButton?.(update, 'Booked');
    const call = await fake.waitForCall('answerCallbackQuery');
    expect(call.params).toEqual({ callback_query_id: 'cq-77', text: 'Booked' });
    expect(fake.sent).toHaveLength(0);
  });

  it('declares Telegram’s rate limits', () => {
    expect(adapter.limits).toEqual({ perSecond: 30, perChatPerSecond: 1, perGroupPerMinute: 20 });
  });
});

describe('telegram adapter: classifyError', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connect();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it.each([
    [{ response: { error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } }, { kind: 'retry-after', seconds: 3 }],
    [{ response: { error_code: 429, description: 'Too Many Requests: retry after 9' } }, { kind: 'retry-after', seconds: 9 }],
    [{ response: { error_code: 502, description: 'Bad Gateway' } }, { kind: 'retry' }],
    [{ response: { error_code: 404, description: 'Not Found' } }, { kind: 'give-up', reason: 'Not Found' }],
    [Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }), { kind: 'retry' }],
    [Object.assign(new Error('network timeout'), { type: 'request-timeout' }), { kind: 'retry' }],
    [new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }), { kind: 'retry' }],
    [new TypeError('x is not a function'), { kind: 'give-up', reason: 'unexpected error: x is not a function' }],
  ])('classifies %j', (error, outcome) => {
    const adapter = telegram.create(telegram.settings.parse({ token: TOKEN, secretToken: 's' }), { bot: 'taxi', redis, prefix: 'kt' });
    expect(adapter.classifyError(error)).toEqual(outcome);
  });
});
