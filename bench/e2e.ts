/**
 * End-to-end messages per second: webhook in → durable inbound queue → handler → reply →
 * delivery queue → adapter → a real HTTP sink on 127.0.0.1. And, on the same Redis, the raw
 * BullMQ ceiling (add + process no-op jobs) for comparison.
 *
 *   node scripts/with-redis.js npx tsx bench/e2e.ts [updates=5000] [connections=64]
 *
 * The platform here is a bench adapter with no rate limit, so the figure is Kiosk's, not a
 * platform's policy.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Bot, createKiosk, createLogger, defineAdapter, hmac, assertSignature, PayloadError, z, type KioskConfig } from '../framework/index';
import { machine } from './machine';

const UPDATES = Number(process.argv[2] ?? 5000);
const CONNECTIONS = Number(process.argv[3] ?? 64);
const SECRET = 'bench-secret-0123456789';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function startSink() {
  let received = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end('{"ok":true}');
      if (++received === UPDATES) resolveAll();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, all, received: () => received, close: () => server.close() };
}

function benchAdapter(sinkUrl: string) {
  return defineAdapter({
    platform: 'bench',
    settings: z.object({ secret: z.string() }),
    create(settings, env) {
      return {
        platform: 'bench',
        limits: { perSecond: 1_000_000, perChatPerSecond: 1_000_000 },
        verify: (req) => assertSignature('x-signature', req.headers['x-signature'], hmac('sha256', settings.secret, req.rawBody, 'hex')),
        parse(req) {
          let body: { id: string; chat: string; text: string };
          try {
            body = JSON.parse(req.rawBody.toString('utf8'));
          } catch {
            throw new PayloadError('not JSON');
          }
          return [{ id: body.id, platform: 'bench', bot: env.bot, chat: { id: body.chat, type: 'private' }, from: { id: body.chat }, kind: 'message', message: { text: body.text }, receivedAt: Date.now() }];
        },
        async send(conversation, message) {
          const res = await fetch(sinkUrl, { method: 'POST', body: JSON.stringify({ chat: conversation.chat, text: message.text }) });
          await res.text();
          return {};
        },
        classifyError: () => ({ kind: 'retry' }),
      };
    },
  });
}

/** Run the load generator in its own process; resolves when every webhook was answered. */
function runLoad(url: string, total: number, connections: number, secret: string): Promise<{ seconds: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'load.js'), url, String(total), String(connections), secret], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited with ${code}`))));
  });
}

async function e2e(): Promise<number> {
  const sink = await startSink();
  const prefix = `bench-${Date.now()}`;
  const bot = new Bot('bench');
  bot.on('message:text', (ctx) => ctx.reply(`echo ${ctx.text}`));
  const config = { redisUrl, prefix, port: 0, inboundPartitions: 32, webhookBodyLimitBytes: 1_048_576, bots: { bench: { defaultLocale: 'en', platforms: { bench: { secret: SECRET } } } } } as KioskConfig;
  const kiosk = createKiosk({ config, bots: [bot], adapters: [benchAdapter(sink.url)], logger: createLogger({ level: 'silent' }), delivery: { partitions: 32 } });
  const base = await kiosk.listen(0);
  if (process.env.BENCH_ACK_ONLY !== '1') await kiosk.startWorkers();

  const started = performance.now();
  const load = await runLoad(`${base}/webhooks/bench/bench`, UPDATES, CONNECTIONS, SECRET);
  if (load.failed > 0) throw new Error(`${load.failed} webhooks were not answered 200`);
  const acked = performance.now();
  if (process.env.BENCH_ACK_ONLY === '1') sink.close();
  else await sink.all;
  const done = performance.now();
  console.log(`  webhooks acknowledged: ${UPDATES} in ${((acked - started) / 1000).toFixed(2)} s = ${Math.round(UPDATES / ((acked - started) / 1000))} req/s`);
  const rate = UPDATES / ((done - started) / 1000);
  console.log(`  end to end (reply delivered to the sink): ${UPDATES} in ${((done - started) / 1000).toFixed(2)} s = ${Math.round(rate)} msg/s`);
  await kiosk.close();
  sink.close();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = c;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  return rate;
}

async function rawBullmq(): Promise<number> {
  const prefix = `bench-raw-${Date.now()}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('raw', { connection, prefix });
  let done = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const worker = new Worker('raw', async () => {
    if (++done === UPDATES) resolveAll();
  }, { connection, prefix, concurrency: 64 });
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < UPDATES; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, UPDATES - i) }, (_, j) => ({ name: 'j', data: { i: i + j }, opts: { removeOnComplete: true } })));
  }
  await all;
  const rate = UPDATES / ((performance.now() - started) / 1000);
  console.log(`  raw BullMQ (addBulk + no-op worker, concurrency 64): ${Math.round(rate)} jobs/s`);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return rate;
}

async function main() {
  console.log(`bench/e2e: ${UPDATES} updates, ${CONNECTIONS} connections, ${machine()}`);
  const endToEnd = await e2e();
  const raw = await rawBullmq();
  console.log(`  end to end / raw BullMQ ceiling: ${(endToEnd / raw).toFixed(2)} (each message is two BullMQ jobs: inbound and delivery)`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
