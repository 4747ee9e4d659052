/**
 * `kiosk webhooks set`: registers each bot's webhook URL with the platforms that have an API
 * for it (Telegram's setWebhook with the secret token, LINE's webhook endpoint API), against
 * the fake platform servers, and prints the URL for the platforms set by hand.
 */
import { startFakeLine, type FakeLine } from '../../framework/testing/fake-line';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { dropPrefix, TELEGRAM_SECRET } from '../helpers/kiosk';
import { redisUrl, uniquePrefix } from '../helpers/redis';
import { runKiosk } from './cli-process';

jest.setTimeout(60_000);

describe('kiosk webhooks set', () => {
  let telegram: FakeTelegram;
  let line: FakeLine;
  let base: Record<string, string>;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    [telegram, line] = await Promise.all([startFakeTelegram(), startFakeLine()]);
    base = {
      REDIS_URL: redisUrl(),
      KIOSK_PREFIX: prefix,
      KIOSK__bots__taxi__platforms__telegram__token: '123456:dev-only-token',
      KIOSK__bots__taxi__platforms__telegram__secretToken: TELEGRAM_SECRET,
      KIOSK__bots__taxi__platforms__telegram__apiRoot: telegram.apiRoot,
    };
  });

  afterAll(async () => {
    await Promise.all([telegram.close(), line.close()]);
    await dropPrefix(prefix);
  });

  test('registers the Telegram webhook with its secret token and prints the URL to set by hand elsewhere', async () => {
    const { code, stdout, stderr } = await runKiosk(['webhooks', 'set', '--base-url', 'https://bots.example.test/'], {
      ...base,
      KIOSK__bots__taxi__platforms__wechat__appId: 'wx0000000000000001',
      KIOSK__bots__taxi__platforms__wechat__appSecret: 'dev-only-wechat-secret',
      KIOSK__bots__taxi__platforms__wechat__token: 'devonlytoken',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(telegram.webhookUrl).toBe('https://bots.example.test/webhooks/taxi/telegram');
    const call = telegram.calls.find((c) => c.method === 'setWebhook');
    expect(call?.params.secret_token).toBe(TELEGRAM_SECRET);
    expect(stdout).toContain('taxi/telegram: https://bots.example.test/webhooks/taxi/telegram — registered');
    expect(stdout).toContain('taxi/wechat: https://bots.example.test/webhooks/taxi/wechat — not registered by Kiosk');
    expect(stdout).toContain('服务器配置');
    // Secrets are never printed.
    expect(stdout).not.toContain(TELEGRAM_SECRET);
    expect(stdout).not.toContain('dev-only-token');
  });

  test('sends LINE the webhook endpoint with the channel access token', async () => {
    const { stdout, stderr } = await runKiosk(['webhooks', 'set', '--base-url', 'https://bots.example.test', '--bot', 'taxi'], {
      REDIS_URL: redisUrl(),
      KIOSK_PREFIX: prefix,
      KIOSK__bots__taxi__platforms__line__channelSecret: 'dev-only-line-secret',
      KIOSK__bots__taxi__platforms__line__channelAccessToken: 'dev-only-line-token',
      KIOSK__bots__taxi__platforms__line__apiRoot: line.apiRoot,
    });
    const call = line.calls.find((c) => c.endpoint === '/v2/bot/channel/webhook/endpoint');
    expect(call).toMatchObject({ token: 'dev-only-line-token', body: { endpoint: 'https://bots.example.test/webhooks/taxi/line' } });
    const output = stdout + stderr;
    expect(call!.status).toBe(200);
    expect(line.webhookEndpoint).toBe('https://bots.example.test/webhooks/taxi/line');
    expect(stdout).toContain('taxi/line: https://bots.example.test/webhooks/taxi/line — registered');
    expect(output).not.toContain('dev-only-line-token');
  });

  test('a platform that refuses the URL makes the command exit 1 with its reason', async () => {
    // A Bot API that knows only another token answers 401, as Telegram does for a revoked token.
    const strict = await startFakeTelegram({ tokens: ['999999:another-bot'] });
    const { code, stderr } = await runKiosk(['webhooks', 'set', '--base-url', 'https://bots.example.test'], {
      ...base,
      KIOSK__bots__taxi__platforms__telegram__apiRoot: strict.apiRoot,
    }).finally(() => strict.close());
    expect(code).toBe(1);
    expect(stderr).toContain('taxi/telegram: https://bots.example.test/webhooks/taxi/telegram — FAILED: Telegram refused the webhook');
    expect(stderr).toContain('Unauthorized');
  });

  test('a base URL that is not a URL exits 2', async () => {
    const { code, stderr } = await runKiosk(['webhooks', 'set', '--base-url', 'bots.example.test'], base);
    expect(code).toBe(2);
    expect(stderr).toContain('--base-url must be an absolute URL');
  });
});
