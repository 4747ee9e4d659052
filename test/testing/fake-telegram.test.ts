import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Telegram } from 'telegraf';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';

const TOKEN = '123456:fake-token';

describe('fake Telegram Bot API', () => {
  let fake: FakeTelegram;
  beforeAll(async () => {
    fake = await startFakeTelegram();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it('answers getMe with the bot of the token', async () => {
    const me = await new Telegram(TOKEN, { apiRoot: fake.apiRoot }).getMe();
    expect(me).toMatchObject({ id: 123456, is_bot: true, username: 'kiosk_test_bot' });
  });

  it('records setWebhook and deleteWebhook', async () => {
    const client = new Telegram(TOKEN, { apiRoot: fake.apiRoot });
    await client.setWebhook('https://example.com/webhooks/taxi/telegram', { secret_token: 's' });
    expect(fake.webhookUrl).toBe('https://example.com/webhooks/taxi/telegram');
    await client.deleteWebhook();
    expect(fake.webhookUrl).toBeUndefined();
    expect(fake.calls.map((c) => c.method)).toEqual(['setWebhook', 'deleteWebhook']);
  });

  it('reads multipart uploads as telegraf sends them', async () => {
    const client = new Telegram(TOKEN, { apiRoot: fake.apiRoot });
    const result = await client.sendPhoto(42, { source: Buffer.from('not really a png'), filename: 'a.png' }, {
      caption: 'Look',
      reply_markup: { inline_keyboard: [[{ text: 'OK', callback_data: 'ok' }]] },
    });
    expect(result.message_id).toBe(1);
    expect(fake.sent[0]).toMatchObject({ method: 'sendPhoto', chat_id: '42', caption: 'Look', reply_markup: { inline_keyboard: [[{ text: 'OK', callback_data: 'ok' }]] } });
    expect(fake.sent[0]?.params.photo).toEqual({ filename: 'a.png', size: 16 });
  });

  it('reads form-urlencoded bodies', async () => {
    const response = await fetch(`${fake.apiRoot}/bot${TOKEN}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: '-100', text: 'group hello' }).toString(),
    });
    expect(await response.json()).toMatchObject({ ok: true, result: { message_id: 1, chat: { id: -100, type: 'supergroup' }, text: 'group hello' } });
    expect(fake.sent[0]).toMatchObject({ chat_id: '-100', text: 'group hello' });
  });

  it('refuses a send without text as Telegram does', async () => {
    const response = await fetch(`${fake.apiRoot}/bot${TOKEN}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"chat_id":1}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
  });

  it('answers an unknown method with 404 and a malformed token with 401', async () => {
    const unknown = await fetch(`${fake.apiRoot}/bot${TOKEN}/sendTelepathy`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    const badToken = await fetch(`${fake.apiRoot}/botnot-a-token/getMe`);
    expect(badToken.status).toBe(401);
    expect(await badToken.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
  });

  it('fails the next n sends with 429 and retry_after, then recovers', async () => {
    fake.failNext(2, { status: 429, retryAfter: 2 });
    const send = () => fetch(`${fake.apiRoot}/bot${TOKEN}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"chat_id":1,"text":"x"}' });
    const first = await send();
    expect(first.status).toBe(429);
    expect(await first.json()).toEqual({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 2', parameters: { retry_after: 2 } });
    expect((await send()).status).toBe(429);
    expect((await send()).status).toBe(200);
    expect(fake.sent).toHaveLength(1);
  });

  it('waitFor resolves when messages arrive and rejects with what was sent on timeout', async () => {
    const client = new Telegram(TOKEN, { apiRoot: fake.apiRoot });
    const waiting = fake.waitFor((m) => m.text === 'second', 2000);
    await client.sendMessage(1, 'first');
    await client.sendMessage(1, 'second');
    await expect(waiting).resolves.toMatchObject({ text: 'second', message_id: 2 });
    await expect(fake.waitFor(2)).resolves.toHaveLength(2);
    await expect(fake.waitFor(3, 50)).rejects.toThrow(/no 3 sent messages within 50 ms.*"first"/);
  });

  it('only accepts the configured tokens when given', async () => {
    const strict = await startFakeTelegram({ tokens: ['1:good'] });
    try {
      await expect(new Telegram('2:other', { apiRoot: strict.apiRoot }).getMe()).rejects.toMatchObject({ code: 401 });
      await expect(new Telegram('1:good', { apiRoot: strict.apiRoot }).getMe()).resolves.toMatchObject({ id: 1 });
    } finally {
      await strict.close();
    }
  });
});

describe('postTelegramUpdate', () => {
  let server: Server;
  let received: { url: string; secret: string | undefined; body: string } | undefined;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const secret = request.headers['x-telegram-bot-api-secret-token'];
        received = { url: request.url ?? '', secret: typeof secret === 'string' ? secret : undefined, body: Buffer.concat(chunks).toString() };
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts the update as JSON to /webhooks/<bot>/telegram with the secret header', async () => {
    const { port } = server.address() as AddressInfo;
    const update = telegramTextUpdate({ updateId: 5, chatId: 42, text: 'hello' });
    const answer = await postTelegramUpdate(`http://127.0.0.1:${port}/`, 'taxi', update, 'dev-secret');
    expect(answer).toEqual({ status: 200, body: 'ok' });
    expect(received?.url).toBe('/webhooks/taxi/telegram');
    expect(received?.secret).toBe('dev-secret');
    expect(JSON.parse(received?.body ?? '')).toEqual(update);
  });
});
