/**
 * Slowloris-ish clients: a webhook whose body trickles in, or stops half-way, must end in a
 * timeout (the connection answered or closed), not hold a socket for ever; and while such
 * clients wait, other webhooks are served as usual.
 */
import { connect, type Socket } from 'node:net';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

/** How long Kiosk may take to give up on a body that does not arrive, at most. */
const BODY_DEADLINE_MS = 15_000;

describe('slow clients', () => {
  const prefix = uniquePrefix();
  let kiosk: Kiosk;
  let base: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const config = testConfig(prefix, { h: { telegram: telegramSettings('http://127.0.0.1:9') } });
    kiosk = createKiosk({ config, bots: [new Bot('h')], adapters: [telegram], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await kiosk.close();
    await dropPrefix(prefix);
  });

  /** Open a webhook request that promises `length` bytes and sends `sent` of them. */
  function stalled(length: number, sent: string): { socket: Socket; ended: Promise<{ ms: number; answer: string }> } {
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    sockets.push(socket);
    const started = Date.now();
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined);
    const ended = new Promise<{ ms: number; answer: string }>((resolve) => socket.on('close', () => resolve({ ms: Date.now() - started, answer })));
    socket.write(`POST /webhooks/h/telegram HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-telegram-bot-api-secret-token: ${TELEGRAM_SECRET}\r\ncontent-length: ${length}\r\n\r\n${sent}`);
    return { socket, ended };
  }

  test('while bodies stall, other webhooks are served at once', async () => {
    const slow = Array.from({ length: 50 }, () => stalled(1000, '{"update_id":'));
    await sleep(100);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => postTelegramUpdate(base, 'h', telegramTextUpdate({ updateId: i, chatId: i, text: 'hi' }), TELEGRAM_SECRET)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(Date.now() - started).toBeLessThan(5000);
    for (const { socket } of slow) socket.destroy();
  });

  test('a body that stops half-way ends in a timeout, not a hang', async () => {
    const { ended } = stalled(1000, '{"update_id":1,');
    const { ms, answer } = await Promise.race([ended, sleep(BODY_DEADLINE_MS + 2000).then(() => ({ ms: -1, answer: 'still open' }))]);
    expect(answer).not.toBe('still open');
    expect(ms).toBeLessThanOrEqual(BODY_DEADLINE_MS + 1000);
    // Answered 408 (or simply closed) — never a 2xx for a body that never came.
    expect(answer).not.toMatch(/^HTTP\/1\.1 2/);
  }, BODY_DEADLINE_MS + 5000);
});
