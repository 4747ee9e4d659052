/**
 * Durable ingest: signed webhooks per second into the inbound queue, with p50/p99 latency,
 * for Telegram JSON and WeChat encrypted XML, side by side in the same run with two
 * non-durable baselines: a bare express route that only parses JSON, and grammY's own express
 * webhook handler (`webhookCallback(bot, 'express')`, a no-op bot, `botInfo` set so nothing
 * goes to the network).
 *
 *   node scripts/with-redis.js npx tsx bench/ingest.ts [requests per round=5000] [connections=50] [targets=all]
 *
 * Targets run in alternating rounds (BENCH_ROUNDS, default 3) and each one's median round is
 * reported, with the CPU each request cost the server, Redis and the load generator: on a
 * shared machine CPU per request is steadier than requests per second.
 *
 * `targets` is a comma-separated subset of
 * express,grammy,kiosk-telegram,kiosk-wechat,kiosk-express,kiosk-noraw,lean-telegram.
 * `kiosk-telegram` and `kiosk-wechat` are Kiosk as shipped: `kiosk.listen`'s server answers
 * webhook POSTs from `node:http` (framework/http/fast-webhook.ts). `kiosk-express` is the same
 * Kiosk served by `kiosk.app` in a server of its own, as an application that mounts the app
 * does: every webhook goes through express's router. `kiosk-noraw` is kiosk-telegram with the
 * updates queued without their `raw` copy of the payload, to price that copy. `lean-telegram`
 * is the bare durable path (raw body, Telegram verify + parse, the inbound producer) behind
 * bare `node:http`, without observability or `raw`: the floor Kiosk could reach.
 * Kiosk's workers are not started: the figure is "acknowledged after it is in Redis", the
 * work a web process does. The load generator (bench/load-requests.js) runs in its own
 * process and replays requests prepared before the clock starts (WeChat's are encrypted
 * with the account's EncodingAESKey, as WeChat sends them in safe mode).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Bot as GrammyBot, webhookCallback } from 'grammy';
import { Redis } from 'ioredis';
import { Bot, createKiosk, createLogger, telegram, telegramTextUpdate, wechat, wechatTextXml, type KioskConfig } from '../framework/index';
import { createWechatCrypto, wechatSignature } from '../framework/adapters/wechat/crypto';
import { buildXml } from '../framework/adapters/wechat/xml';
import { readRawBody } from '../framework/http/raw-body';
import { createInboundProducer } from '../framework/jobs/inbound';
import { machine } from './machine';

const REQUESTS = Number(process.argv[2] ?? 5000);
const CONNECTIONS = Number(process.argv[3] ?? 50);
const TARGETS = (process.argv[4] ?? 'express,grammy,kiosk-telegram,kiosk-wechat,kiosk-express,kiosk-noraw,lean-telegram').split(',');
const WARMUP = Math.min(2000, REQUESTS);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const TG_TOKEN = '123456:bench-only-token';
const TG_SECRET = 'bench-only-telegram-secret';
const WX = { appId: 'wxbench0000000001', appSecret: 'bench-only-secret', token: 'benchtoken', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface LoadResult {
  seconds: number;
  /** CPU time of the load generator process. */
  cpuMs: number;
  requests: number;
  failed: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
}

const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-ingest-'));
let fileNo = 0;

function writeRequests(requests: Prepared[]): string {
  const file = join(dir, `r${fileNo++}.jsonl`);
  writeFileSync(file, requests.map((r) => JSON.stringify(r)).join('\n'));
  return file;
}

/** Telegram updates, each with its own update_id; chats spread over 1000 customers. */
function telegramRequests(path: string, count: number, offset: number): Prepared[] {
  return Array.from({ length: count }, (_, i) => ({
    path,
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
    body: JSON.stringify(telegramTextUpdate({ updateId: offset + i, chatId: 1000 + ((offset + i) % 1000), text: `hello ${offset + i}` })),
  }));
}

/** WeChat text messages in safe mode: signed query, AES-encrypted body, as WeChat posts them. */
function wechatRequests(path: string, count: number, offset: number): Prepared[] {
  const crypto = createWechatCrypto({ token: WX.token, appId: WX.appId, encodingAESKey: WX.encodingAESKey });
  const timestamp = String(Math.floor(Date.now() / 1000));
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    const openId = `oBench${n % 1000}`;
    const xml = wechatTextXml({ openId, text: `hello ${n}`, msgId: 7_000_000_000_000_000 + n });
    const nonce = String(100_000_000 + n);
    const encrypt = crypto.encrypt(xml);
    const query = new URLSearchParams({
      signature: wechatSignature(WX.token, timestamp, nonce),
      timestamp,
      nonce,
      openid: openId,
      encrypt_type: 'aes',
      msg_signature: crypto.signature(timestamp, nonce, encrypt),
    });
    return { path: `${path}?${query}`, headers: { 'content-type': 'text/xml' }, body: buildXml('xml', { ToUserName: 'gh_kiosk_test', Encrypt: encrypt }) };
  });
}

function runLoad(base: string, file: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'load-requests.js'), base, file, String(CONNECTIONS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

function listen(app: express.Express): Promise<{ base: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
    server.keepAliveTimeout = 60_000;
  });
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

interface Target {
  name: string;
  /** Starts the server; returns its base URL, the path to post to, the kind of body, and how to stop. */
  start(): Promise<{ base: string; path: string; body: 'telegram' | 'wechat'; stop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'express',
    async start() {
      const app = express();
      app.post('/', express.json(), (_req, res) => {
        res.sendStatus(200);
      });
      const { base, server } = await listen(app);
      return { base, path: '/', body: 'telegram', stop: () => close(server) };
    },
  },
  {
    name: 'grammy',
    async start() {
      const bot = new GrammyBot(TG_TOKEN, { botInfo: { id: 123456, is_bot: true, first_name: 'Bench', username: 'bench_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false } as never });
      bot.on('message', () => undefined);
      const app = express();
      app.post('/', express.json(), webhookCallback(bot, 'express', { secretToken: TG_SECRET }));
      const { base, server } = await listen(app);
      return { base, path: '/', body: 'telegram', stop: () => close(server) };
    },
  },
  ...([
    { name: 'kiosk-telegram', platform: 'telegram', serve: 'listen', stripRaw: false },
    { name: 'kiosk-wechat', platform: 'wechat', serve: 'listen', stripRaw: false },
    { name: 'kiosk-express', platform: 'telegram', serve: 'express', stripRaw: false },
    { name: 'kiosk-noraw', platform: 'telegram', serve: 'listen', stripRaw: true },
  ] as const).map(({ name, platform, serve, stripRaw }) => ({
    name,
    async start() {
      const prefix = `bench-ingest-${Date.now()}`;
      const config = {
        redisUrl,
        prefix,
        port: 0,
        inboundPartitions: 16,
        webhookBodyLimitBytes: 1_048_576,
        bots: {
          bench: {
            defaultLocale: 'en',
            platforms: {
              telegram: { token: TG_TOKEN, secretToken: TG_SECRET, apiRoot: 'http://127.0.0.1:9' },
              wechat: { ...WX, apiRoot: 'http://127.0.0.1:9' },
            },
          },
        },
      } as unknown as KioskConfig;
      // kiosk-noraw: the same Telegram adapter, its updates queued without their `raw` copy.
      const withoutRaw: typeof telegram = {
        ...telegram,
        create: (settings, environment) => {
          const adapter = telegram.create(settings, environment);
          return { ...adapter, parse: async (request) => (await adapter.parse(request)).map(({ raw: _raw, ...update }) => update) };
        },
      };
      const kiosk = createKiosk({ config, bots: [new Bot('bench')], adapters: [stripRaw ? withoutRaw : telegram, wechat], logger: createLogger({ level: 'silent' }) });
      // kiosk-express: Kiosk's express app in a server of its own (how an application that
      // mounts `kiosk.app` serves it; every webhook goes through express's router).
      const served = serve === 'express' ? await listen(kiosk.app) : undefined;
      const base = served?.base ?? (await kiosk.listen(0));
      return {
        base,
        path: `/webhooks/bench/${platform}`,
        body: platform,
        async stop() {
          if (served) await close(served.server);
          await kiosk.close();
          await dropPrefix(prefix);
        },
      };
    },
  })),
  {
    name: 'lean-telegram',
    async start() {
      const prefix = `bench-ingest-lean-${Date.now()}`;
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const connection = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
      await new Promise((resolve) => connection.once('ready', resolve));
      const adapter = telegram.create(telegram.settings.parse({ token: TG_TOKEN, secretToken: TG_SECRET, apiRoot: 'http://127.0.0.1:9' }), { bot: 'bench', redis, prefix });
      const producer = createInboundProducer(connection, { prefix, partitions: 16 });
      const server = createServer(async (req, res) => {
        try {
          const request = { method: 'POST', headers: req.headers as Record<string, string>, query: {}, rawBody: await readRawBody(req, 1_048_576) };
          await adapter.verify(request);
          const updates = (await adapter.parse(request)).map(({ raw: _raw, ...update }) => update);
          await producer.add(updates);
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        path: '/webhooks/bench/telegram',
        body: 'telegram' as const,
        async stop() {
          await close(server);
          await producer.close();
          connection.disconnect();
          redis.disconnect();
          await dropPrefix(prefix);
        },
      };
    },
  },
];

const perReq = (ms: number) => Math.round((ms * 1000) / REQUESTS);

/** CPU time Redis has used so far (the whole server: other clients of a shared Redis count too). */
async function redisCpuMs(): Promise<number> {
  const redis = new Redis(redisUrl);
  const info = await redis.info('cpu');
  redis.disconnect();
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

async function dropPrefix(prefix: string) {
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = c;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

async function main() {
  console.log(`bench/ingest: ${ROUNDS} rounds of ${REQUESTS} webhooks per target (after ${WARMUP} to warm up), ${CONNECTIONS} connections, ${machine()}`);
  console.log(`  redis: ${redisUrl}; load generator in its own process; 2 cores shared with other work, so compare figures of one run, not across runs`);
  console.log(`  command: npx tsx bench/ingest.ts ${REQUESTS} ${CONNECTIONS} ${TARGETS.join(',')}`);
  const rows: Array<{ name: string; result: LoadResult; serverCpu: number; redisCpu: number }> = [];
  const running = [];
  for (const target of targets.filter((t) => TARGETS.includes(t.name))) running.push({ target, server: await target.start() });
  try {
    for (const { target, server } of running) {
      const build = server.body === 'telegram' ? telegramRequests : wechatRequests;
      const warm = await runLoad(server.base, writeRequests(build(server.path, WARMUP, 1_000_000)));
      if (warm.failed) throw new Error(`${target.name}: ${warm.failed} warm-up webhooks failed: ${JSON.stringify(warm.statuses)}`);
    }
    // Rounds alternate between targets so a burst of other work on the shared machine does not
    // land on one target only; each target's median round is reported.
    for (let round = 0; round < ROUNDS; round++) {
      for (const { target, server } of running) {
        const build = server.body === 'telegram' ? telegramRequests : wechatRequests;
        const file = writeRequests(build(server.path, REQUESTS, round * REQUESTS));
        const redisBefore = await redisCpuMs();
        const cpuBefore = process.cpuUsage();
        const result = await runLoad(server.base, file);
        const cpu = process.cpuUsage(cpuBefore);
        if (result.failed) throw new Error(`${target.name}: ${result.failed} webhooks failed: ${JSON.stringify(result.statuses)}`);
        rows.push({ name: target.name, result, serverCpu: (cpu.user + cpu.system) / 1000, redisCpu: target.name === 'express' || target.name === 'grammy' ? 0 : (await redisCpuMs()) - redisBefore });
      }
    }
  } finally {
    for (const { server } of running) await server.stop();
  }
  const medians = new Map<string, (typeof rows)[number]>();
  for (const { target } of running) {
    const mine = rows.filter((r) => r.name === target.name).sort((a, b) => a.result.seconds - b.result.seconds);
    const row = mine[Math.floor(mine.length / 2)]!;
    medians.set(target.name, row);
    const { result } = row;
    console.log(
      `  ${target.name.padEnd(15)} ${String(Math.round(REQUESTS / result.seconds)).padStart(6)} req/s   p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms   CPU µs/req: server ${perReq(row.serverCpu)}, redis ${perReq(row.redisCpu)}, load generator ${perReq(result.cpuMs)}   (rounds: ${mine.map((r) => Math.round(REQUESTS / r.result.seconds)).join(', ')} req/s)`,
    );
  }
  const grammy = medians.get('grammy');
  if (grammy) {
    for (const [name, row] of medians) {
      if (name === 'express' || name === 'grammy') continue;
      // On a shared CPU-bound machine, CPU per request predicts throughput better than one round's req/s.
      const cpuRatio = grammy.serverCpu / (row.serverCpu + row.redisCpu);
      console.log(`  ${name} / grammy (non-durable): ${(grammy.result.seconds / row.result.seconds).toFixed(2)}× by median req/s, ${cpuRatio.toFixed(2)}× by CPU per request (Kiosk's server + Redis against grammY's server)`);
    }
  }
}

main().then(
  () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  },
  (error) => {
    console.error(error);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  },
);
