/** The fake Messaging API refuses what LINE refuses, so adapter tests against it mean something. */
import { randomUUID } from 'node:crypto';
import { startFakeLine, type FakeLine } from '../../../framework/testing/fake-line';
import { lineId } from '../../../framework/testing/line-client';

const TOKEN = 'fake-token';
const USER = lineId();

describe('fake LINE Messaging API', () => {
  let fake: FakeLine;
  beforeAll(async () => {
    fake = await startFakeLine({ tokens: [TOKEN], replyTokenLifetimeMs: 300 });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  async function post(endpoint: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const response = await fetch(`${fake.apiRoot}/v2/bot/message/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json(), headers: response.headers };
  }
  const text = (t = 'hi') => ({ type: 'text', text: t });

  it('answers a push with sentMessages ids and records it', async () => {
    const res = await post('push', { to: USER, messages: [text('a'), text('b')] });
    expect(res.status).toBe(200);
    expect(res.body.sentMessages).toHaveLength(2);
    expect(fake.sent.map((m) => [m.via, m.to, m.text, m.id])).toEqual([
      ['push', USER, 'a', res.body.sentMessages[0].id],
      ['push', USER, 'b', res.body.sentMessages[1].id],
    ]);
  });

  it('refuses a missing or unknown bearer token with 401', async () => {
    const res = await fetch(`${fake.apiRoot}/v2/bot/message/push`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(fake.sent).toHaveLength(0);
  });

  it('answers 404 for an endpoint it does not serve', async () => {
    expect((await post('multicast', { to: [USER], messages: [text()] })).status).toBe(404);
  });

  it.each([
    ['no messages', { to: USER, messages: [] }, 'messages'],
    ['six messages', { to: USER, messages: Array.from({ length: 6 }, () => text()) }, 'messages'],
    ['an empty text', { to: USER, messages: [text('')] }, 'messages[0].text'],
    ['fourteen quick replies', { to: USER, messages: [{ ...text(), quickReply: { items: Array.from({ length: 14 }, () => ({ type: 'action', action: { type: 'postback', label: 'x', data: 'x' } })) } }] }, 'messages[0].quickReply.items'],
    ['a 21-character label', { to: USER, messages: [{ ...text(), quickReply: { items: [{ type: 'action', action: { type: 'postback', label: 'x'.repeat(21), data: 'x' } }] } }] }, 'messages[0].quickReply.items[0].action.label'],
    ['five template actions', { to: USER, messages: [{ type: 'template', altText: 'a', template: { type: 'buttons', text: 't', actions: Array.from({ length: 5 }, () => ({ type: 'uri', label: 'l', uri: 'https://e.com' })) } }] }, 'messages[0].template.actions'],
  ])('refuses %s with 400 naming the property', async (_name, body, property) => {
    const res = await post('push', body);
    expect(res.status).toBe(400);
    expect(res.body.details[0].property).toBe(property);
    expect(fake.sent).toHaveLength(0);
  });

  it('refuses a push to something that is not a user, group or room id', async () => {
    const res = await post('push', { to: 'someone', messages: [text()] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/'to'/);
  });

  it('accepts a reply token it issued once, then refuses it as LINE does', async () => {
    const replyToken = fake.issueReplyToken(USER);
    expect((await post('reply', { replyToken, messages: [text()] })).status).toBe(200);
    const again = await post('reply', { replyToken, messages: [text()] });
    expect(again).toMatchObject({ status: 400, body: { message: 'Invalid reply token' } });
    expect(fake.sent.map((m) => [m.via, m.to, m.replyToken])).toEqual([['reply', USER, replyToken]]);
  });

  it('refuses an unknown or expired reply token', async () => {
    expect((await post('reply', { replyToken: 'made-up', messages: [text()] })).status).toBe(400);
    const replyToken = fake.issueReplyToken(USER);
    await new Promise((r) => setTimeout(r, 350));
    expect((await post('reply', { replyToken, messages: [text()] })).body.message).toBe('Invalid reply token');
  });

  it('refuses X-Line-Retry-Key on the reply endpoint', async () => {
    const replyToken = fake.issueReplyToken(USER);
    expect((await post('reply', { replyToken, messages: [text()] }, { 'x-line-retry-key': randomUUID() })).status).toBe(400);
  });

  it('runs a push once per retry key: a repeat answers 409 with the original ids', async () => {
    const key = randomUUID();
    const first = await post('push', { to: USER, messages: [text()] }, { 'x-line-retry-key': key });
    const second = await post('push', { to: USER, messages: [text()] }, { 'x-line-retry-key': key });
    expect(second.status).toBe(409);
    expect(second.body.sentMessages).toEqual([{ id: first.body.sentMessages[0].id }]);
    expect(second.headers.get('x-line-accepted-request-id')).toBeTruthy();
    expect(fake.sent).toHaveLength(1);
    expect((await post('push', { to: USER, messages: [text()] }, { 'x-line-retry-key': 'not-a-uuid' })).status).toBe(400);
  });

  it('failNext fails the next calls with LINE’s message, then recovers', async () => {
    fake.failNext(1, { status: 429 });
    const failed = await post('push', { to: USER, messages: [text()] });
    expect(failed).toMatchObject({ status: 429, body: { message: 'The API rate limit has been exceeded. Try again later.' } });
    expect((await post('push', { to: USER, messages: [text()] })).status).toBe(200);
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('waitFor resolves with messages sent later, and rejects listing what was sent', async () => {
    const waiting = fake.waitFor((m) => m.text === 'later');
    await post('push', { to: USER, messages: [text('later')] });
    expect((await waiting).to).toBe(USER);
    await expect(fake.waitFor(5, 100)).rejects.toThrow(/Sent so far: push text to U/);
  });
});
