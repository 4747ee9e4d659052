import type { Redis } from 'ioredis';
import type { Adapter } from '../../../framework/adapters/adapter';
import { LineApiError } from '../../../framework/adapters/line/api';
import { line } from '../../../framework/adapters/line/adapter';
import { StoreUnavailableError } from '../../../framework/core/errors';
import type { Conversation } from '../../../framework/core/update';
import { startFakeLine, type FakeLine } from '../../../framework/testing/fake-line';
import { lineId, lineTextEvent, lineWebhookBody } from '../../../framework/testing/line-client';
import { deliveryError } from '../../helpers/delivery';
import { freePort } from '../../helpers/ports';
import { cleanPrefix, connect, uniquePrefix } from '../../helpers/redis';

const TOKEN = 'dev-only-line-access-token';
const USER = 'U4af4980629c06b3bb1d4b6bd0d6e4c2e';
const conversation: Conversation = { bot: 'taxi', platform: 'line', chat: USER, user: USER };

describe('line adapter: send, against the fake Messaging API', () => {
  const prefix = uniquePrefix();
  let fake: FakeLine;
  let redis: Redis;
  let adapter: Adapter;
  const create = (overrides: Record<string, unknown> = {}) =>
    line.create(line.settings.parse({ channelSecret: 's', channelAccessToken: TOKEN, apiRoot: fake.apiRoot, ...overrides }), { bot: 'taxi', redis, prefix });

  /** What the webhook does: parse an event (the adapter keeps its reply token). */
  async function receive(event: object): Promise<void> {
    const rawBody = Buffer.from(JSON.stringify(lineWebhookBody([event])));
    await adapter.parse({ method: 'POST', headers: {}, query: {}, rawBody });
  }

  beforeAll(async () => {
    fake = await startFakeLine({ tokens: [TOKEN] });
    redis = connect();
    adapter = create();
  });
  afterEach(async () => {
    fake.reset();
    await cleanPrefix(redis, prefix);
  });
  afterAll(async () => {
    await fake.close();
    await cleanPrefix(redis, prefix);
    await redis.quit();
  });

  describe('reply or push', () => {
    it('without a reply token it pushes, with a UUID retry key, and returns LINE’s message id', async () => {
      const sent = await adapter.send(conversation, { text: 'Your taxi is here' });
      expect(fake.sent).toHaveLength(1);
      expect(fake.sent[0]).toMatchObject({ via: 'push', to: USER, type: 'text', text: 'Your taxi is here' });
      expect(fake.sent[0]?.retryKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(sent).toEqual({ messageId: fake.sent[0]?.id });
    });

    it('the first answer to an event replies with its token; the next one pushes', async () => {
      await receive(lineTextEvent({ userId: USER, text: 'taxi', replyToken: fake.issueReplyToken(USER) }));
      await adapter.send(conversation, { text: 'Where to?' });
      await adapter.send(conversation, { text: 'Booked' });
      expect(fake.sent.map((m) => [m.via, m.text])).toEqual([
        ['reply', 'Where to?'],
        ['push', 'Booked'],
      ]);
      expect(fake.calls.find((c) => c.endpoint === 'reply')?.retryKey).toBeUndefined();
    });

    it('a used reply token (400 Invalid reply token) falls back to a push', async () => {
      const token = fake.issueReplyToken(USER);
      await receive(lineTextEvent({ userId: USER, text: 'one', replyToken: token, timestamp: Date.now() - 1000 }));
      await adapter.send(conversation, { text: 'first' });
      // A second event arrives carrying the same, now used, token.
      await receive(lineTextEvent({ userId: USER, text: 'two', replyToken: token }));
      await adapter.send(conversation, { text: 'second' });
      expect(fake.calls.map((c) => [c.endpoint, c.status])).toEqual([
        ['reply', 200],
        ['reply', 400],
        ['push', 200],
      ]);
      expect(fake.sent.map((m) => [m.via, m.text])).toEqual([
        ['reply', 'first'],
        ['push', 'second'],
      ]);
    });

    it('a token LINE has expired falls back to a push', async () => {
      const token = fake.issueReplyToken(USER, { issuedAt: Date.now() - 61_000 });
      await receive(lineTextEvent({ userId: USER, text: 'hi', replyToken: token }));
      await adapter.send(conversation, { text: 'late answer' });
      expect(fake.calls.map((c) => [c.endpoint, c.status])).toEqual([
        ['reply', 400],
        ['push', 200],
      ]);
      expect(fake.sent[0]).toMatchObject({ via: 'push', text: 'late answer' });
    });

    it('a token older than replyTokenLifetimeSeconds is not even tried', async () => {
      const token = fake.issueReplyToken(USER);
      await receive(lineTextEvent({ userId: USER, text: 'hi', replyToken: token, timestamp: Date.now() - 55_000 }));
      await adapter.send(conversation, { text: 'late answer' });
      expect(fake.calls.map((c) => c.endpoint)).toEqual(['push']);
    });

    it('a reply that failed with 5xx is retried as a push (the token is spent)', async () => {
      await receive(lineTextEvent({ userId: USER, text: 'hi', replyToken: fake.issueReplyToken(USER) }));
      fake.failNext(1, { status: 500 });
      const error = await deliveryError(adapter.send(conversation, { text: 'hello' }));
      expect(error.outcome).toEqual({ kind: 'retry' });
      await adapter.send(conversation, { text: 'hello' });
      expect(fake.sent.map((m) => m.via)).toEqual(['push']);
    });

    it('a push accepted by LINE but answered 500 is retried with the same key and sent once (409)', async () => {
      fake.failNext(1, { status: 500, afterAccepting: true });
      const error = await deliveryError(adapter.send(conversation, { text: 'Your bill is ready' }));
      expect(error.outcome).toEqual({ kind: 'retry' });
      const sent = await adapter.send(conversation, { text: 'Your bill is ready' });
      expect(fake.calls.map((c) => c.status)).toEqual([500, 409]);
      expect(fake.calls[0]?.retryKey).toBe(fake.calls[1]?.retryKey);
      expect(fake.sent).toHaveLength(1);
      expect(sent).toEqual({ messageId: fake.sent[0]?.id });
    });

    it('a push refused with 500 is retried with the same key and goes through', async () => {
      fake.failNext(1, { status: 500 });
      await deliveryError(adapter.send(conversation, { text: 'hi' }));
      await adapter.send(conversation, { text: 'hi' });
      expect(fake.calls.map((c) => c.status)).toEqual([500, 200]);
      expect(fake.calls[0]?.retryKey).toBe(fake.calls[1]?.retryKey);
      expect(fake.sent).toHaveLength(1);
    });

    it('the same message sent twice on purpose is delivered twice (a new key after success)', async () => {
      await adapter.send(conversation, { text: 'Ping' });
      await adapter.send(conversation, { text: 'Ping' });
      expect(fake.sent).toHaveLength(2);
      expect(fake.calls[0]?.retryKey).not.toBe(fake.calls[1]?.retryKey);
    });

    it('more than five LINE messages go in several requests: a reply, then pushes', async () => {
      await receive(lineTextEvent({ userId: USER, text: 'hi', replyToken: fake.issueReplyToken(USER) }));
      const sent = await adapter.send(conversation, { text: 'x'.repeat(5000 * 6 + 1) });
      expect(fake.calls.map((c) => [c.endpoint, (c.body as { messages: unknown[] }).messages.length])).toEqual([
        ['reply', 5],
        ['push', 2],
      ]);
      expect(fake.sent.every((m) => (m.text?.length ?? 0) <= 5000)).toBe(true);
      expect(sent).toEqual({ messageId: fake.sent[6]?.id });
    });

    it('a group chat is pushed to its group id', async () => {
      const group = lineId('C');
      await adapter.send({ ...conversation, chat: group }, { text: 'Hello all' });
      expect(fake.sent[0]).toMatchObject({ via: 'push', to: group });
    });
  });

  describe('message shapes', () => {
    it('callback buttons become quick-reply postbacks that echo their label', async () => {
      await adapter.send(conversation, { text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }], [{ label: 'Work', data: 'dest:work' }]] });
      expect(fake.sent[0]?.quickReply).toEqual({
        items: [
          { type: 'action', action: { type: 'postback', label: 'Home', data: 'dest:home', displayText: 'Home' } },
          { type: 'action', action: { type: 'postback', label: 'Work', data: 'dest:work', displayText: 'Work' } },
        ],
      });
    });

    it('thirteen buttons fit; fourteen become numbered text', async () => {
      const buttons = (n: number) => [Array.from({ length: n }, (_, i) => ({ label: `Seat ${i + 1}`, data: `seat:${i + 1}` }))];
      await adapter.send(conversation, { text: 'Pick a seat', buttons: buttons(13) });
      expect(fake.sent[0]?.quickReply?.items).toHaveLength(13);
      await adapter.send(conversation, { text: 'Pick a seat', buttons: buttons(14) });
      expect(fake.sent[1]?.quickReply).toBeUndefined();
      expect(fake.sent[1]?.text?.split('\n').slice(0, 3)).toEqual(['Pick a seat', '1. Seat 1', '2. Seat 2']);
      expect(fake.sent[1]?.text).toContain('14. Seat 14');
    });

    it('a label over 20 characters becomes numbered text rather than a refused request', async () => {
      await adapter.send(conversation, { text: 'Choose', buttons: [[{ label: 'Order a taxi to the airport', data: 'airport' }]] });
      expect(fake.sent[0]).toMatchObject({ type: 'text', text: 'Choose\n1. Order a taxi to the airport' });
    });

    it('url buttons become a buttons template with uri actions; callbacks still ride as quick replies', async () => {
      await adapter.send(conversation, {
        text: 'Your bill',
        buttons: [[{ label: 'Pay online', url: 'https://example.com/pay' }], [{ label: 'Later', data: 'later' }]],
      });
      const [message] = fake.sent;
      expect(message?.type).toBe('template');
      expect(message?.message.template).toEqual({ type: 'buttons', text: 'Your bill', actions: [{ type: 'uri', label: 'Pay online', uri: 'https://example.com/pay' }] });
      expect(message?.altText).toBe('Your bill\nPay online: https://example.com/pay');
      expect(message?.quickReply?.items[0]?.action).toMatchObject({ type: 'postback', data: 'later' });
    });

    it('url buttons under a text too long for a template become links in the text', async () => {
      const text = 'Terms: '.padEnd(200, '.');
      await adapter.send(conversation, { text, buttons: [[{ label: 'Read', url: 'https://example.com/terms' }]] });
      expect(fake.sent[0]).toMatchObject({ type: 'text', text: `${text}\nRead: https://example.com/terms` });
    });

    it('a card is a flex bubble: hero picture, title, description, text, link and url buttons', async () => {
      await adapter.send(conversation, {
        text: 'Due 1 June',
        card: { title: 'Bill for May', description: 'Total: 12 EUR', imageUrl: 'https://example.com/bill.png', url: 'https://example.com/b/1' },
        buttons: [[{ label: 'Pay', url: 'https://example.com/pay/1' }, { label: 'Remind me', data: 'remind' }]],
      });
      const [message] = fake.sent;
      expect(message).toMatchObject({ type: 'flex', altText: 'Bill for May\nTotal: 12 EUR\nDue 1 June' });
      const bubble = message?.message.contents as Record<string, any>;
      expect(bubble.hero).toMatchObject({ type: 'image', url: 'https://example.com/bill.png', action: { type: 'uri', uri: 'https://example.com/b/1' } });
      expect(bubble.body.contents.map((c: { text: string }) => c.text)).toEqual(['Bill for May', 'Total: 12 EUR', 'Due 1 June']);
      expect(bubble.body.action).toEqual({ type: 'uri', uri: 'https://example.com/b/1' });
      expect(bubble.footer.contents[0].action).toEqual({ type: 'uri', label: 'Pay', uri: 'https://example.com/pay/1' });
      expect(message?.quickReply?.items.map((i) => i.action.data)).toEqual(['remind']);
    });

    it('a platform template is sent as its fields, one line each', async () => {
      await adapter.send(conversation, { template: { id: 'bill_ready', fields: { amount: '12 EUR', due: { value: '1 June', color: '#f00' } }, url: 'https://example.com/b/1' } });
      expect(fake.sent[0]).toMatchObject({ type: 'text', text: 'amount: 12 EUR\ndue: 1 June\nhttps://example.com/b/1' });
    });

    it('html text is made plain, keeping link addresses', async () => {
      await adapter.send(conversation, { text: '<b>Paid</b> &amp; done<br>See <a href="https://example.com/r">receipt</a>', format: 'html' });
      expect(fake.sent[0]?.text).toBe('Paid & done\nSee receipt (https://example.com/r)');
    });

    it('an image is an image message; a file, which LINE cannot send, is a link', async () => {
      await adapter.send(conversation, {
        text: 'Your ticket',
        media: [
          { kind: 'image', url: 'https://example.com/seat.png' },
          { kind: 'file', url: 'https://example.com/ticket.pdf', caption: 'Ticket' },
        ],
        buttons: [[{ label: 'Refund', data: 'refund' }]],
      });
      expect(fake.sent.map((m) => [m.type, m.text ?? m.message.originalContentUrl])).toEqual([
        ['text', 'Your ticket'],
        ['image', 'https://example.com/seat.png'],
        ['text', 'Ticket: https://example.com/ticket.pdf'],
      ]);
      // Quick replies show only under the last message.
      expect(fake.sent.map((m) => m.quickReply !== undefined)).toEqual([false, false, true]);
    });

    it('an empty message is refused without calling LINE', async () => {
      const error = await deliveryError(adapter.send(conversation, {}));
      expect(error.outcome).toEqual({ kind: 'give-up', reason: 'empty message' });
      expect(fake.calls).toHaveLength(0);
    });

    it('postback data over 300 characters is refused without calling LINE', async () => {
      const error = await deliveryError(adapter.send(conversation, { text: 'x', buttons: [[{ label: 'Long', data: 'x'.repeat(301) }]] }));
      expect(error.outcome.kind).toBe('give-up');
      expect(error.message).toMatch(/301 characters/);
      expect(fake.calls).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('429 is a DeliveryError to retry after a short wait (LINE sends no Retry-After)', async () => {
      fake.failNext(1, { status: 429 });
      const error = await deliveryError(adapter.send(conversation, { text: 'hi' }));
      expect(error.outcome).toEqual({ kind: 'retry-after', seconds: 2 });
      expect(error.status).toBe(429);
      expect(error.code).toBe('KIOSK_DELIVERY_FAILED');
      await adapter.send(conversation, { text: 'hi' });
      expect(fake.sent).toHaveLength(1);
    });

    it('429 for the monthly limit is given up: waiting seconds will not help', async () => {
      fake.failNext(1, { status: 429, message: 'You have reached your monthly limit.' });
      const error = await deliveryError(adapter.send(conversation, { text: 'hi' }));
      expect(error.outcome).toEqual({ kind: 'give-up', reason: 'LINE monthly message limit reached (429): You have reached your monthly limit.' });
    });

    it('a wrong channel access token (401) is given up, naming the setting, without leaking the token', async () => {
      const wrong = create({ channelAccessToken: 'not-the-token' });
      const error = await deliveryError(wrong.send(conversation, { text: 'hi' }));
      expect(error.outcome.kind).toBe('give-up');
      expect(error.status).toBe(401);
      expect(error.outcome.kind === 'give-up' && error.outcome.reason).toMatch(/channelAccessToken/);
      expect(error.message).not.toContain('not-the-token');
    });

    it('a message LINE refuses (400) is given up with LINE’s property and reason', async () => {
      const error = await deliveryError(adapter.send(conversation, { media: [{ kind: 'image', url: 'http://insecure.example.com/a.png' }] }));
      expect(error.status).toBe(400);
      expect(error.outcome.kind).toBe('give-up');
      expect(error.message).toMatch(/messages\[0\]\.originalContentUrl/);
    });

    it('a push to an id that is not a LINE id is given up', async () => {
      const error = await deliveryError(adapter.send({ ...conversation, chat: 'not-an-id' }, { text: 'hi' }));
      expect(error.outcome).toMatchObject({ kind: 'give-up' });
      expect(error.message).toMatch(/'to'/);
    });

    it('403 is given up', async () => {
      fake.failNext(1, { status: 403 });
      const error = await deliveryError(adapter.send(conversation, { text: 'hi' }));
      expect(error.outcome).toEqual({ kind: 'give-up', reason: 'LINE does not allow this channel to send this (403: Access to this API is not available for your account)' });
    });

    it('a refused connection is a DeliveryError to retry', async () => {
      const port = await freePort();
      const offline = create({ apiRoot: `http://127.0.0.1:${port}` });
      const error = await deliveryError(offline.send(conversation, { text: 'hi' }));
      expect(error.outcome).toEqual({ kind: 'retry' });
      expect(error.message).not.toContain(TOKEN);
    });

    it('declares LINE’s rate limits', () => {
      expect(adapter.limits).toEqual({ perSecond: 2000, perChatPerSecond: 10 });
    });
  });
});

describe('line adapter: classifyError', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connect();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it.each([
    ['429 rate limit', new LineApiError('push', 429, 'The API rate limit has been exceeded. Try again later.'), { kind: 'retry-after', seconds: 2 }],
    ['429 with a Retry-After header', new LineApiError('push', 429, 'Too many', [], 7), { kind: 'retry-after', seconds: 7 }],
    ['502', new LineApiError('push', 502, 'Bad Gateway'), { kind: 'retry' }],
    ['400 Invalid reply token (only seen when no push followed)', new LineApiError('reply', 400, 'Invalid reply token'), { kind: 'give-up', reason: 'LINE reply answered 400: Invalid reply token' }],
    ['404', new LineApiError('push', 404, 'Not found'), { kind: 'give-up', reason: 'LINE push answered 404: Not found' }],
    ['a Redis outage', new StoreUnavailableError('redis down'), { kind: 'retry' }],
    ['a reset connection', Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }), { kind: 'retry' }],
    ['fetch failed (refused)', new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }), { kind: 'retry' }],
    ['a request timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), { kind: 'retry' }],
    ['a bug', new TypeError('x is not a function'), { kind: 'give-up', reason: 'unexpected error: x is not a function' }],
  ])('classifies %s', (_name, error, outcome) => {
    const adapter = line.create(line.settings.parse({ channelSecret: 's', channelAccessToken: 't' }), { bot: 'taxi', redis, prefix: 'kt' });
    expect(adapter.classifyError(error)).toEqual(outcome);
  });
});
