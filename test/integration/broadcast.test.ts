/**
 * Broadcasts: a template rendered per customer and locale, streamed from a generator,
 * delivered at the platform's rate, with a report; a second run sends nobody a copy.
 */
import { join } from 'node:path';
import {
  Bot,
  createKiosk,
  createLogger,
  createTemplates,
  startFakeTelegram,
  telegram,
  type BroadcastRecipient,
  type FakeTelegram,
  type Kiosk,
} from '../../framework/index';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { waitUntil } from '../helpers/wait';

describe('broadcast', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { taxi: { telegram: { token: '123456:dev-only-token', secretToken: 'dev-only-secret', apiRoot: fake.apiRoot } } }, { inboundPartitions: 2 });
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    kiosk = createKiosk({ config, bots: [new Bot('taxi')], adapters: [telegram], render: templates.render, logger: createLogger({ level: 'silent' }) });
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  async function* customers(n: number): AsyncGenerator<BroadcastRecipient> {
    for (let i = 0; i < n; i++) {
      const locale = ['en', 'fr', 'zh'][i % 3]!;
      yield { conversation: { bot: 'taxi', platform: 'telegram', chat: String(1000 + i), user: String(1000 + i), locale }, data: { driver: `Driver ${i}`, pickup: `Stop ${i}` } };
    }
  }

  test('every recipient gets one message in their language, the report adds up, and a re-run sends nothing', async () => {
    fake.failNext(1, { status: 403 });
    const queued = await kiosk.broadcast({ id: 'arrivals-1', content: 'taxi/arrived', recipients: customers(60), batchSize: 25 });
    expect(queued).toMatchObject({ total: 60, queued: 60, skipped: 0 });
    await waitUntil(async () => (await kiosk.broadcastReport('arrivals-1')).done, 'the broadcast to finish', 20_000);
    const report = await kiosk.broadcastReport('arrivals-1');
    expect(report).toMatchObject({ total: 60, queued: 60, sent: 59, failed: 1, skipped: 0, done: true });
    expect(new Set(fake.sent.map((m) => m.chat_id)).size).toBe(59);
    // Each customer's text is in their locale (en, fr, zh in turn) with their own data.
    const expected = (i: number) =>
      [`Driver ${i} has arrived at Stop ${i}. Have a good trip!`, `Driver ${i} est arrivé à Stop ${i}. Bon voyage !`, `Driver ${i} 已到达Stop ${i}。祝您旅途愉快！`][i % 3];
    for (const message of fake.sent) expect(message.text).toBe(expected(Number(message.chat_id) - 1000));
    const refused = fake.calls.filter((c) => c.status === 403);
    expect(refused).toHaveLength(1);

    const again = await kiosk.broadcast({ id: 'arrivals-1', content: 'taxi/arrived', recipients: customers(60) });
    expect(again).toMatchObject({ total: 120, queued: 60, skipped: 60 });
  });

  test('a recipient whose message cannot be rendered is skipped, not fatal', async () => {
    const recipients: BroadcastRecipient[] = [
      { conversation: { bot: 'taxi', platform: 'telegram', chat: '2001', user: '2001' }, data: { driver: 'Ana', pickup: 'Here' } },
      { conversation: { bot: 'taxi', platform: 'telegram', chat: '2002', user: '2002' }, data: { driver: 'Bo' } },
    ];
    const report = await kiosk.broadcast({ id: 'arrivals-2', content: 'taxi/arrived', recipients });
    expect(report).toMatchObject({ total: 2, queued: 1, skipped: 1 });
  });
});
