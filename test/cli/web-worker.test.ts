/**
 * `kiosk web` and `kiosk worker` as separate processes, running the repository's own
 * `kiosk.app.ts` configured from the environment: a Telegram update posted to the web process
 * is handled by the worker process and its reply reaches the fake Bot API; `kiosk queues`
 * then counts the handled update and the delivered reply; SIGTERM stops both cleanly.
 */
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { dropPrefix, TELEGRAM_SECRET } from '../helpers/kiosk';
import { redisUrl, uniquePrefix } from '../helpers/redis';
import { waitUntil } from '../helpers/wait';
import { runKiosk, startKiosk, type KioskProcess } from './cli-process';

jest.setTimeout(90_000);

describe('kiosk web and kiosk worker', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let web: KioskProcess | undefined;
  let worker: KioskProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    env = {
      REDIS_URL: redisUrl(),
      KIOSK_PREFIX: prefix,
      KIOSK__inboundPartitions: '2',
      KIOSK__bots__taxi__platforms__telegram__token: '123456:dev-only-token',
      KIOSK__bots__taxi__platforms__telegram__secretToken: TELEGRAM_SECRET,
      KIOSK__bots__taxi__platforms__telegram__apiRoot: fake.apiRoot,
    };
    // Kept as they start, so afterAll stops whichever did even if the other failed.
    await Promise.all([
      startKiosk(['web', '--port', '0', '--host', '127.0.0.1'], env).then((p) => (web = p)),
      startKiosk(['worker'], env).then((p) => (worker = p)),
    ]);
  });

  afterAll(async () => {
    await Promise.all([web?.stop('SIGKILL'), worker?.stop('SIGKILL')]);
    await fake.close();
    await dropPrefix(prefix);
  });

  test('web prints its webhook URLs', async () => {
    expect(web!.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The URLs follow the "listening" line the start waits for; give the process a moment to print them.
    await waitUntil(() => web!.output().includes('webhook taxi/telegram'), 'the webhook URLs to be printed');
    expect(web!.output()).toContain(`webhook taxi/telegram: ${web!.base}/webhooks/taxi/telegram`);
  });

  test('an update posted to the web process is answered by the worker process', async () => {
    const posted = await postTelegramUpdate(web!.base!, 'taxi', telegramTextUpdate({ updateId: 31001, chatId: 4242, text: '/start' }), TELEGRAM_SECRET);
    expect(posted.status).toBe(200);
    const reply = await fake.waitFor((m) => m.chat_id === '4242', 15_000);
    expect(reply.text).toContain('Welcome to Kiosk Taxi');
    expect(reply.reply_markup?.inline_keyboard?.[0]?.[0]?.callback_data).toBe('taxi:order');
  });

  test('kiosk queues counts the handled update and the delivered reply', async () => {
    const { code, stdout, stderr } = await runKiosk(['queues', '--json'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<{ kind: string; name: string; waiting: number; active: number; failed: number; completed: number }>;
    const sum = (kind: string, field: 'completed' | 'failed' | 'waiting') => rows.filter((r) => r.kind === kind).reduce((n, r) => n + r[field], 0);
    expect(rows.filter((r) => r.kind === 'inbound').map((r) => r.name)).toEqual(['inbound-0', 'inbound-1']);
    expect(rows.some((r) => r.name === 'job-taxi.dispatch')).toBe(true);
    expect(sum('inbound', 'completed')).toBe(1);
    expect(sum('delivery', 'completed')).toBe(1);
    expect(sum('inbound', 'failed') + sum('delivery', 'failed')).toBe(0);

    const table = await runKiosk(['queues'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^queue\s+waiting\s+active\s+delayed\s+failed\s+completed$/m);
    expect(table.stdout).toMatch(/^\(all inbound\)\s+0\s+0\s+0\s+0\s+1$/m);
  });

  test('kiosk privacy export finds the customer\'s data and kiosk privacy erase removes it', async () => {
    const exported = await runKiosk(['privacy', 'export', 'telegram', '4242'], env);
    expect(exported.code).toBe(0);
    const before = JSON.parse(exported.stdout) as { customer: { accounts: unknown[] }; deliveries: unknown[]; inboundUpdates: unknown[] };
    expect(before.customer.accounts).toEqual([{ platform: 'telegram', user: '4242' }]);
    expect(before.deliveries.length + before.inboundUpdates.length).toBeGreaterThan(0);

    const erased = await runKiosk(['privacy', 'erase', 'telegram', '4242'], env);
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain('erased:');
    const after = JSON.parse((await runKiosk(['privacy', 'export', 'telegram', '4242'], env)).stdout) as typeof before;
    expect(after.deliveries).toEqual([]);
    expect(after.inboundUpdates).toEqual([]);
  });

  test('SIGTERM stops the web and the worker gracefully with exit code 0', async () => {
    const [webCode, workerCode] = await Promise.all([web!.stop('SIGTERM'), worker!.stop('SIGTERM')]);
    expect(webCode).toBe(0);
    expect(workerCode).toBe(0);
  });
});
