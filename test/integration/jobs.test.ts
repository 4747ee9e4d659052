/**
 * Jobs end to end: enqueued from a handler with validation, notifying the customer through
 * delivery, delayed, cancelled, failed for good, scheduled, and surviving a SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { telegram } from '../../framework/adapters/telegram/adapter';
import type { KioskConfig } from '../../framework/config/schema';
import { Bot } from '../../framework/core/bot';
import { PayloadError } from '../../framework/core/errors';
import { defineJob } from '../../framework/jobs/define-job';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';
import { longRide } from '../fixtures/ride-jobs';

const SECRET = 'dev-only-telegram-secret';

const runs: string[] = [];
const dispatch = defineJob({
  name: 'test.dispatch',
  schema: z.object({ pickup: z.string().min(1), seats: z.number().int().positive() }),
  async handler(job) {
    runs.push(`dispatch:${job.data.pickup}`);
    await job.notify(`Driver on the way to ${job.data.pickup}`);
  },
});
const arrive = defineJob({
  name: 'test.arrive',
  schema: z.object({ ride: z.string() }),
  async handler(job) {
    runs.push(`arrive:${job.data.ride}`);
    await job.notify('Your driver has arrived');
  },
});
const broken = defineJob({
  name: 'test.broken',
  schema: z.object({}),
  attempts: 2,
  backoff: 10,
  async handler() {
    runs.push('broken');
    throw new Error('dispatch service down');
  },
});
const tick = defineJob({
  name: 'test.tick',
  schema: z.object({ n: z.number() }),
  async handler() {
    runs.push('tick');
  },
});

const billOne = defineJob({
  name: 'test.bill-one',
  schema: z.object({ account: z.string(), amount: z.number() }),
  async handler(job) {
    runs.push(`bill:${job.data.account}`);
    return job.data.amount;
  },
});
const billRun = defineJob({
  name: 'test.bill-run',
  schema: z.object({ month: z.string() }),
  async handler(job) {
    const results = await job.childrenResults();
    const total = Object.values(results).reduce<number>((sum, v) => sum + Number(v), 0);
    runs.push(`run:${job.data.month}:${total}`);
    await job.notify(`Bills of ${job.data.month} issued: ${Object.keys(results).length}, total ${total}`);
  },
});

describe('jobs', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;
  let config: KioskConfig;
  let updateId = 70_000;
  const errors: unknown[] = [];
  let pendingArrival = '';

  const post = (chatId: number, text: string) => postTelegramUpdate(base, 'rides', telegramTextUpdate({ updateId: ++updateId, chatId, text }), SECRET);

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const bot = new Bot('rides');
    bot.command('taxi', async (ctx) => {
      await ctx.enqueue(dispatch, { pickup: ctx.match, seats: 1 });
      await ctx.reply('Looking for a driver');
    });
    bot.command('bad', async (ctx) => {
      await ctx.enqueue(dispatch, { pickup: '', seats: 1 });
    });
    bot.command('later', async (ctx) => {
      pendingArrival = await ctx.enqueue(arrive, { ride: ctx.match }, { delay: Number(ctx.match) });
    });
    bot.command('cancel', async (ctx) => {
      const removed = await ctx.cancel(arrive, pendingArrival);
      await ctx.reply(removed ? 'Cancelled' : 'Too late to cancel');
    });
    bot.command('broken', (ctx) => ctx.enqueue(broken, {}).then(() => undefined));
    bot.catch((error) => void errors.push(error.cause));
    config = testConfig(prefix, { rides: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: 2 });
    kiosk = createKiosk({
      config,
      bots: [bot],
      adapters: [telegram],
      jobs: [dispatch, arrive, broken, tick, longRide, billOne, billRun],
      logger: createLogger({ level: 'silent' }),
      jobWorkers: { stalledInterval: 1000, lockDuration: 1500 },
    });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  const spawnWorker = () =>
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../fixtures/job-worker-process.ts')], {
      env: { ...process.env, KIOSK_TEST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  const ready = (child: ChildProcess) =>
    new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
    });

  beforeEach(() => {
    fake.reset();
    runs.length = 0;
    errors.length = 0;
  });

  test('a handler enqueues a job whose worker notifies the customer', async () => {
    await post(1, '/taxi Gare du Nord');
    await fake.waitFor(2);
    expect(fake.sent.map((m) => m.text).sort()).toEqual(['Driver on the way to Gare du Nord', 'Looking for a driver']);
    expect(runs).toEqual(['dispatch:Gare du Nord']);
  });

  test('an invalid payload is refused at enqueue, naming the field, and nothing runs', async () => {
    await post(2, '/bad');
    await waitUntil(() => errors.length === 1, 'the enqueue error');
    expect(errors[0]).toBeInstanceOf(PayloadError);
    expect((errors[0] as PayloadError).path).toEqual(['pickup']);
    expect((errors[0] as PayloadError).message).toMatch(/test\.dispatch.*pickup/);
    await expect(kiosk.enqueue(dispatch, { pickup: 'x', seats: 0 })).rejects.toThrow(/at seats/);
    await sleep(200);
    expect(runs).toEqual([]);
  });

  test('a delayed job runs after its delay, and a cancelled one never runs', async () => {
    const started = Date.now();
    await post(3, '/later 600');
    await fake.waitFor((m) => m.text === 'Your driver has arrived', 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);

    fake.reset();
    await post(3, '/later 1500');
    await waitUntil(() => pendingArrival !== '', 'the delayed job id');
    await post(3, '/cancel');
    await fake.waitFor((m) => m.text === 'Cancelled');
    await sleep(1800);
    expect(runs).toEqual(['arrive:600']);
    expect(fake.sent.map((m) => m.text)).toEqual(['Cancelled']);
  });

  test('a job that exhausts its attempts tells the customer instead of leaving them waiting', async () => {
    await post(4, '/broken');
    const notice = await fake.waitFor((m) => m.chat_id === '4', 5000);
    expect(notice.text).toMatch(/something went wrong/);
    expect(runs).toEqual(['broken', 'broken']);
    const failed = await kiosk.jobsQueue(broken).getFailed();
    expect(failed).toHaveLength(1);
    expect(failed[0]!.failedReason).toBe('dispatch service down');
  });

  test('a scheduled job repeats until it is unscheduled', async () => {
    await kiosk.schedule(tick, 'every-300ms', { every: 300 }, { n: 1 });
    await waitUntil(() => runs.filter((r) => r === 'tick').length >= 2, 'two ticks', 5000);
    expect(await kiosk.unschedule(tick, 'every-300ms')).toBe(true);
    const count = runs.length;
    await sleep(800);
    expect(runs.length).toBeLessThanOrEqual(count + 1);
  });

  test('a flow runs its children first and the parent with their results', async () => {
    const conversation = { bot: 'rides', platform: 'telegram', chat: '6', user: '6' };
    await kiosk.enqueueFlow(
      { job: billRun, data: { month: '2026-11' }, children: [1, 2, 3].map((n) => ({ job: billOne, data: { account: `A${n}`, amount: n * 10 } })) },
      conversation,
    );
    const notice = await fake.waitFor((m) => m.chat_id === '6', 10_000);
    expect(notice.text).toBe('Bills of 2026-11 issued: 3, total 60');
    expect(runs.slice(0, 3).sort()).toEqual(['bill:A1', 'bill:A2', 'bill:A3']);
    expect(runs[3]).toBe('run:2026-11:60');
    await expect(kiosk.enqueueFlow({ job: billRun, data: { month: '2026-12' }, children: [{ job: billOne, data: { account: 'A9' } }] })).rejects.toThrow(/at amount/);
  });

  test('SIGTERM lets a worker finish its job and deliver its messages before it exits', async () => {
    await kiosk.stopWorkers();
    const child = spawnWorker();
    await ready(child);
    await kiosk.enqueue(longRide, { rideId: 'r2', holdMs: 1500 }, { conversation: { bot: 'rides', platform: 'telegram', chat: '7', user: '7' } });
    await fake.waitFor((m) => m.text === 'ride r2: driver assigned', 10_000);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fake.sent.filter((m) => m.chat_id === '7').map((m) => m.text)).toEqual(['ride r2: driver assigned', 'ride r2: arrived']);
    const [job] = await kiosk.jobsQueue(longRide).getCompleted();
    expect(job?.data.data).toEqual({ rideId: 'r2', holdMs: 1500 });
    await kiosk.startWorkers();
  }, 30_000);

  test('a worker killed with SIGKILL mid-job: the job completes on another worker and each message arrives once', async () => {
    // Stop this process's workers so the child takes the job. The child is node itself (tsx as a
    // loader, not tsx's CLI, which would fork a grandchild that SIGKILL does not reach).
    await kiosk.stopWorkers();
    const child = spawnWorker();
    await ready(child);
    await kiosk.enqueue(longRide, { rideId: 'r1', holdMs: 60_000 }, { conversation: { bot: 'rides', platform: 'telegram', chat: '5', user: '5' } });
    await fake.waitFor((m) => m.text === 'ride r1: driver assigned', 10_000);
    // Let the child record that delivery, then kill it while the job itself is mid-way.
    await sleep(300);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    await kiosk.startWorkers();
    await fake.waitFor((m) => m.text === 'ride r1: arrived', 15_000);
    await sleep(500);
    expect(fake.sent.filter((m) => m.chat_id === '5').map((m) => m.text)).toEqual(['ride r1: driver assigned', 'ride r1: arrived']);
  }, 40_000);
});
