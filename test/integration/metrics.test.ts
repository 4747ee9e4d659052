/**
 * `/metrics` and `/readyz` of a running Kiosk: webhook results, handler and job durations,
 * deliveries and 429 waits counted as they happen; queue figures read from Redis at scrape
 * time; readiness that follows a paused queue.
 */
import { z } from 'zod';
import { register } from 'prom-client';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { Bot } from '../../framework/core/bot';
import { defineJob } from '../../framework/jobs/define-job';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { waitUntil } from '../helpers/wait';

const quote = defineJob({
  name: 'metrics.quote',
  schema: z.object({ n: z.number() }),
  async handler(job) {
    await job.notify(`Quote ${job.data.n}`);
  },
});
const reminder = defineJob({ name: 'metrics.reminder', schema: z.object({}), async handler() {} });

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and readiness of a running Kiosk', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;
  const scrape = async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const bot = new Bot('taxi');
    bot.on('message:text', async (ctx) => {
      await ctx.reply('Got it');
      await ctx.enqueue(quote, { n: ctx.text.length });
    });
    const config = testConfig(prefix, { taxi: { telegram: telegramSettings(fake.apiRoot) } });
    kiosk = createKiosk({ config, bots: [bot], adapters: [telegram], jobs: [quote, reminder], logger: createLogger({ level: 'silent' }), delivery: { partitions: 2 } });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  test('updates, handler and job durations, deliveries and 429 waits are counted', async () => {
    // The first send is answered 429 retry_after 1: the bot's delivery pauses, then sends.
    fake.failNext(1, { status: 429, retryAfter: 1 });
    for (const updateId of [41001, 41002]) {
      expect((await postTelegramUpdate(base, 'taxi', telegramTextUpdate({ updateId, chatId: 900 + updateId, text: 'hello' }), TELEGRAM_SECRET)).status).toBe(200);
    }
    expect((await postTelegramUpdate(base, 'taxi', telegramTextUpdate({ updateId: 41003, chatId: 1, text: 'x' }), 'wrong-secret')).status).toBe(401);
    expect((await fetch(`${base}/webhooks/someone-else/telegram`, { method: 'POST', body: '{}' })).status).toBe(404);
    await fake.waitFor(4, 15_000);

    let text = '';
    await waitUntil(async () => {
      text = await scrape();
      return sample(text, 'kiosk_deliveries_total{bot="taxi",platform="telegram",result="sent"}') === 4 && sample(text, 'kiosk_job_duration_seconds_count{job="metrics.quote",result="completed"}') === 2;
    }, 'four deliveries and two jobs in /metrics');

    expect(sample(text, 'kiosk_updates_total{bot="taxi",platform="telegram",result="queued"}')).toBe(2);
    expect(sample(text, 'kiosk_updates_total{bot="taxi",platform="telegram",result="unauthorized"}')).toBe(1);
    // A URL naming an unknown bot cannot add label values.
    expect(sample(text, 'kiosk_updates_total{bot="unknown",platform="unknown",result="not_found"}')).toBe(1);
    expect(text).not.toContain('someone-else');
    expect(sample(text, 'kiosk_handler_duration_seconds_count{bot="taxi",platform="telegram",result="handled"}')).toBe(2);
    expect(sample(text, 'kiosk_deliveries_total{bot="taxi",platform="telegram",result="rate_limited"}')).toBe(1);
    expect(sample(text, 'kiosk_rate_limit_waits_total{bot="taxi",platform="telegram"}')).toBe(1);
    expect(sample(text, 'kiosk_rate_limit_wait_seconds_total{bot="taxi",platform="telegram"}')).toBe(1);
    expect(sample(text, 'kiosk_delivery_latency_seconds_count{bot="taxi",platform="telegram"}')).toBe(4);
    expect(text).toContain('kiosk_process_resident_memory_bytes');
    // Kiosk's metrics are in its own registry, not prom-client's global one.
    expect(register.getSingleMetric('kiosk_updates_total')).toBeUndefined();
  });

  test('queue figures are read from Redis: every queue, each state', async () => {
    await kiosk.enqueue(reminder, {}, { delay: 60_000, jobId: 'later-1' });
    let text = '';
    await waitUntil(async () => {
      text = await scrape();
      return sample(text, 'kiosk_queue_jobs{queue="job-metrics.reminder",state="delayed"}') === 1;
    }, 'the delayed job in /metrics');
    for (const queue of ['inbound-0', 'inbound-1', 'job-metrics.quote', 'job-kiosk.flow-timeout', 'delivery-telegram-taxi-0', 'delivery-telegram-taxi-1']) {
      expect(sample(text, `kiosk_queue_jobs{queue="${queue}",state="waiting"}`)).toBeDefined();
      expect(sample(text, `kiosk_queue_paused{queue="${queue}"}`)).toBe(0);
    }
    // Completed updates are kept (for de-duplication) and counted.
    const completedInbound = (sample(text, 'kiosk_queue_jobs{queue="inbound-0",state="completed"}') ?? 0) + (sample(text, 'kiosk_queue_jobs{queue="inbound-1",state="completed"}') ?? 0);
    expect(completedInbound).toBe(2);
  });

  test('/readyz is ready with Redis up and workers running, and unready while a queue is paused', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', redis: 'up', workers: 'running', queues: 'ok' });

    const queue = kiosk.jobsQueue(quote);
    await queue.pause();
    try {
      let body: Record<string, unknown> = {};
      await waitUntil(async () => {
        const res = await fetch(`${base}/readyz`);
        body = (await res.json()) as Record<string, unknown>;
        return res.status === 503;
      }, '/readyz to notice the paused queue', 5000);
      expect(body).toMatchObject({ status: 'unavailable', redis: 'up', queues: 'paused', paused: ['job-metrics.quote'] });
      expect(sample(await scrape(), 'kiosk_queue_paused{queue="job-metrics.quote"}')).toBe(1);
    } finally {
      await queue.resume();
    }
    await waitUntil(async () => (await fetch(`${base}/readyz`)).status === 200, '/readyz to be ready again', 5000);
  });

  test('a second Kiosk in the same process has metrics of its own', async () => {
    const other = createKiosk({
      config: testConfig(`${prefix}-b`, { taxi: { telegram: telegramSettings(fake.apiRoot) } }),
      bots: [new Bot('taxi')],
      adapters: [telegram],
      logger: createLogger({ level: 'silent' }),
    });
    try {
      expect(other.metrics.registry).not.toBe(kiosk.metrics.registry);
      expect(await other.metrics.registry.getSingleMetricAsString('kiosk_updates_total')).not.toContain('result="queued"');
    } finally {
      await other.close();
    }
  });
});
