/**
 * Broadcast: a bill template rendered per recipient (locale alternating en/fr/zh) and
 * delivered to a fake Telegram (in its own process) at a configured rate limit. Prints, for
 * each size, the achieved delivery rate against the limit, the peak RSS of the Kiosk process
 * (sampled every 100 ms during the run), Redis's `used_memory` at its peak and once the
 * broadcast is done (also per recipient), and the keys left. Progress goes to stderr every minute.
 *
 *   node scripts/with-redis.js npx tsx bench/broadcast.ts [sizes=10000,50000] [rate=2000] [partitions=8]
 *
 * The Kiosk process runs both the broadcast (reading an async generator of recipients) and
 * the delivery workers. Telegram's real limit is 30 messages/s; the bench raises the adapter's
 * limit to `rate` so the figure is Kiosk's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Bot, createKiosk, createLogger, createTemplates, defineAdapter, telegram, type BroadcastRecipient, type KioskConfig } from '../framework/index';
import { machine } from './machine';

const SIZES = (process.argv[2] ?? '10000,50000').split(',').map(Number);
const RATE = Number(process.argv[3] ?? 2000);
const PARTITIONS = Number(process.argv[4] ?? 8);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Telegram with the bench's rate instead of Telegram's 30/s. */
const fastTelegram = defineAdapter({
  platform: 'telegram',
  settings: telegram.settings,
  create(settings, environment) {
    return { ...telegram.create(settings, environment), limits: { perSecond: RATE, perChatPerSecond: RATE } };
  },
});

function startSink(): Promise<{ apiRoot: string; sent: () => number; chats: () => number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fake-telegram-sink.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let sent = 0;
    let chats = 0;
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const message = JSON.parse(line) as { apiRoot?: string; sent?: number; chats?: number };
        if (message.apiRoot) resolve({ apiRoot: message.apiRoot, sent: () => sent, chats: () => chats, child });
        if (message.sent !== undefined) sent = message.sent;
        if (message.chats !== undefined) chats = message.chats;
      }
    });
    child.once('exit', (code) => reject(new Error(`fake Telegram exited with ${code}`)));
  });
}

async function redisMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

async function dropPrefix(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = c;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

async function* recipients(n: number, run: number): AsyncGenerator<BroadcastRecipient> {
  const locales = ['en', 'fr', 'zh-CN'];
  for (let i = 0; i < n; i++) {
    const chat = String(10_000_000 * run + i);
    yield {
      conversation: { bot: 'bills', platform: 'telegram', chat, user: chat, locale: locales[i % 3]! },
      data: { customer: { name: `Customer ${i}` }, items: (i % 5) + 1, total: 10 + (i % 1000) / 100, due: '2026-12-01T12:00:00Z' },
    };
  }
}

async function main() {
  console.log(`bench/broadcast: sizes ${SIZES.join(', ')}, rate limit ${RATE}/s over ${PARTITIONS} delivery partitions, ${machine()}`);
  console.log(`  redis: ${redisUrl}; fake Telegram in its own process; 2 cores shared with other work`);
  console.log(`  command: npx tsx bench/broadcast.ts ${SIZES.join(',')} ${RATE} ${PARTITIONS}`);
  const root = mkdtempSync(join(tmpdir(), 'kiosk-bench-broadcast-'));
  mkdirSync(join(root, 'bills'));
  writeFileSync(
    join(root, 'bills', 'issued.hbs'),
    'Hello {{customer.name}},\n\nYour bill for {{plural items one="# item" other="# items"}} comes to {{money total "EUR"}}, due {{date due "long"}}.\n{{button "Pay now" "bills:pay"}}\n{{button "Details" "bills:details"}}\n',
  );
  const templates = createTemplates({ root, timeZone: 'Europe/Paris' });
  const sink = await startSink();
  const redis = new Redis(redisUrl);
  try {
    for (const [run, size] of SIZES.entries()) {
      const prefix = `bench-broadcast-${Date.now()}`;
      const config = {
        redisUrl,
        prefix,
        port: 0,
        inboundPartitions: 2,
        webhookBodyLimitBytes: 1_048_576,
        bots: { bills: { defaultLocale: 'en', platforms: { telegram: { token: '123456:bench-only-token', secretToken: 'bench-only-secret', apiRoot: sink.apiRoot } } } },
      } as unknown as KioskConfig;
      const kiosk = createKiosk({ config, bots: [new Bot('bills')], adapters: [fastTelegram], render: templates.render, logger: createLogger({ level: 'silent' }), delivery: { partitions: PARTITIONS } });
      await kiosk.startWorkers();
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const redisBefore = await redisMemory(redis);
      const keysBefore = await redis.dbsize();
      let peakRss = rssBefore;
      let peakRedis = redisBefore;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 100);
      const redisSampler = setInterval(() => {
        redisMemory(redis).then((m) => (peakRedis = Math.max(peakRedis, m)), () => undefined);
      }, 500);
      const sentBefore = sink.sent();
      const chatsBefore = sink.chats();
      const started = performance.now();
      const queued = kiosk.broadcast({ id: `bills-${run}`, content: 'bills/issued', recipients: recipients(size, run + 1) });
      let firstSent = 0;
      let lastProgress = performance.now();
      for (;;) {
        await new Promise((r) => setTimeout(r, 200));
        const report = await kiosk.broadcastReport(`bills-${run}`);
        if (!firstSent && report.sent > 0) firstSent = performance.now();
        if (report.done) break;
        if (performance.now() - lastProgress > 60_000) {
          lastProgress = performance.now();
          console.error(`    … ${((lastProgress - started) / 1000).toFixed(0)} s: sent ${report.sent} of ${size}, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, Redis peak +${((peakRedis - redisBefore) / 2 ** 20).toFixed(0)} MiB`);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      await queued;
      clearInterval(sampler);
      clearInterval(redisSampler);
      const report = await kiosk.broadcastReport(`bills-${run}`);
      await new Promise((r) => setTimeout(r, 400));
      const received = sink.sent() - sentBefore;
      const chats = sink.chats() - chatsBefore;
      // What stays in Redis once the broadcast is done (the kept jobs, records and lists).
      const redisAfter = await redisMemory(redis);
      const keysAfter = await redis.dbsize();
      peakRedis = Math.max(peakRedis, redisAfter);
      const perRecipient = (bytes: number) => (bytes / size).toFixed(0);
      console.log(
        `  ${String(size).padStart(8)} recipients: ${seconds.toFixed(1)} s, ${Math.round(size / seconds)} msg/s delivered (limit ${RATE}/s, ${((100 * size) / seconds / RATE).toFixed(0)}%), ` +
          `sent ${report.sent}, failed ${report.failed}, received by the fake ${received} in ${chats} distinct chats; ` +
          `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (${(rssBefore / 2 ** 20).toFixed(0)} MiB before); Redis peak +${((peakRedis - redisBefore) / 2 ** 20).toFixed(0)} MiB ` +
          `(${perRecipient(peakRedis - redisBefore)} B/recipient), after +${((redisAfter - redisBefore) / 2 ** 20).toFixed(1)} MiB ` +
          `(${perRecipient(redisAfter - redisBefore)} B/recipient) in ${keysAfter - keysBefore} more keys`,
      );
      await kiosk.close();
      await dropPrefix(redis, prefix);
    }
  } finally {
    sink.child.kill();
    redis.disconnect();
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
