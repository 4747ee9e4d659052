/** The fake Cloud API answers and refuses the way Meta does, so adapter tests against it mean something. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { whatsappStatuses } from '../../../framework/adapters/whatsapp/parse';
import { verifyWhatsapp } from '../../../framework/adapters/whatsapp/verify';
import { startFakeWhatsapp, type FakeWhatsapp } from '../../../framework/testing/fake-whatsapp';

const TOKEN = 'dev-only-access-token';
const PATH = '/v23.0/106540352242922/messages';

describe('fake WhatsApp Cloud API', () => {
  let fake: FakeWhatsapp;
  beforeAll(async () => {
    fake = await startFakeWhatsapp({ accessTokens: [TOKEN] });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await fake.close();
  });

  async function post(message: Record<string, unknown>, token: string | null = TOKEN, path = PATH) {
    const response = await fetch(`${fake.apiRoot}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '16505551234', ...message }),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: number; error_data?: { details?: string } }; messages?: Array<{ id: string; message_status?: string }>; contacts?: unknown } };
  }

  const buttons = (n: number, title = 'Choice') => ({
    type: 'interactive',
    interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: Array.from({ length: n }, (_, i) => ({ type: 'reply', reply: { id: `b${i}`, title: `${title}${i}` } })) } },
  });
  const list = (rows: number, title = 'Row') => ({
    type: 'interactive',
    interactive: { type: 'list', body: { text: 'Pick' }, action: { button: 'Choose', sections: [{ rows: Array.from({ length: rows }, (_, i) => ({ id: `r${i}`, title: `${title}${i}` })) }] } },
  });

  it('answers a send like Meta: contacts and the new message’s wamid', async () => {
    const { status, body } = await post({ type: 'text', text: { body: 'hi' } });
    expect(status).toBe(200);
    expect(body.contacts).toEqual([{ input: '16505551234', wa_id: '16505551234' }]);
    expect(body.messages?.[0]?.id).toMatch(/^wamid\./);
    expect(fake.sent[0]).toMatchObject({ to: '16505551234', type: 'text', text: 'hi', id: body.messages?.[0]?.id });
  });

  it('marks a template as accepted', async () => {
    const { body } = await post({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    expect(body.messages?.[0]?.message_status).toBe('accepted');
  });

  it('refuses a missing or unknown token with 401 and code 190', async () => {
    expect((await post({ type: 'text', text: { body: 'hi' } }, null)).body.error?.code).toBe(190);
    const wrong = await post({ type: 'text', text: { body: 'hi' } }, 'nope');
    expect(wrong.status).toBe(401);
    expect(fake.sent).toHaveLength(0);
  });

  it('refuses an unknown path', async () => {
    expect((await post({ type: 'text', text: { body: 'hi' } }, TOKEN, '/v23.0/messages')).status).toBe(400);
  });

  it.each([
    ['four reply buttons', buttons(4)],
    ['a reply button title of 21 characters', buttons(1, 'x'.repeat(20))],
    ['a list of eleven rows', list(11)],
    ['a row title of 25 characters', list(2, 'x'.repeat(24))],
    ['a call-to-action label of 21 characters', { type: 'interactive', interactive: { type: 'cta_url', body: { text: 'Go' }, action: { name: 'cta_url', parameters: { display_text: 'x'.repeat(21), url: 'https://example.com' } } } }],
    ['an interactive message without body text', { type: 'interactive', interactive: { type: 'button', action: { buttons: [] } } }],
    ['text over 4096 characters', { type: 'text', text: { body: 'x'.repeat(4097) } }],
    ['an audio message with a caption', { type: 'audio', audio: { link: 'https://example.com/a.ogg', caption: 'no' } }],
    ['a template without a language', { type: 'template', template: { name: 'x' } }],
  ])('refuses %s with 400 and Meta’s details', async (_name, message) => {
    const { status, body } = await post(message);
    expect(status).toBe(400);
    expect([100, 131009]).toContain(body.error?.code);
    expect(body.error?.error_data?.details).toEqual(expect.any(String));
    expect(fake.sent).toHaveLength(0);
  });

  it('accepts three reply buttons of 20 characters and a list of ten rows of 24', async () => {
    expect((await post(buttons(3, 'x'.repeat(19)))).status).toBe(200);
    expect((await post(list(10, 'x'.repeat(23)))).status).toBe(200);
  });

  it('failNext answers the given status, code, details and Retry-After, then recovers', async () => {
    fake.failNext(1, { status: 429, code: 130429, details: 'slow down', retryAfter: 2 });
    const response = await fetch(`${fake.apiRoot}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '1', type: 'text', text: { body: 'x' } }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: 130429, error_data: { details: 'slow down' } });
    expect((await post({ type: 'text', text: { body: 'x' } })).status).toBe(200);
    expect(fake.calls.map((c) => [c.status, c.code])).toEqual([[429, 130429], [200, undefined]]);
  });

  it('waitFor resolves with a message sent later', async () => {
    const waiting = fake.waitFor((m) => m.text === 'later');
    await post({ type: 'text', text: { body: 'later' } });
    expect((await waiting).to).toBe('16505551234');
    await expect(fake.waitFor(5, 50)).rejects.toThrow(/no 5 sent messages within 50 ms/);
  });

  it('deliverStatus posts signed status callbacks that verify and parse', async () => {
    const { body } = await post({ type: 'text', text: { body: 'hi' } });
    const id = body.messages![0]!.id;
    const received: WebhookRequest[] = [];
    const hook: Server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
        received.push({ method: 'POST', headers, query: {}, rawBody: Buffer.concat(chunks) });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
    const address = hook.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/webhooks/taxi/whatsapp`;
    try {
      const answer = await fake.deliverStatus(url, 'dev-app-secret', [
        { id, status: 'delivered', timestamp: 10 },
        { id, status: 'failed', timestamp: 11, errors: [{ code: 131047, title: 'Re-engagement message' }] },
      ]);
      expect(answer.status).toBe(200);
      const [request] = received;
      expect(() => verifyWhatsapp(request!, 'dev-app-secret')).not.toThrow();
      expect(whatsappStatuses(request!, '106540352242922')).toEqual([
        { platformMessageId: id, state: 'delivered', chat: '16505551234', at: 10_000 },
        { platformMessageId: id, state: 'failed', chat: '16505551234', at: 11_000, error: '131047 Re-engagement message' },
      ]);
    } finally {
      hook.closeAllConnections();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });
});
