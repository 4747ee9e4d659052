/**
 * Where a durable webhook's time goes, part by part, in one process (no HTTP): the adapter's
 * verify + parse for Telegram JSON and WeChat encrypted XML, and the inbound producer's
 * durable add with 50 requests in flight, on a plain connection and with ioredis's
 * auto-pipelining. Figures are CPU microseconds per update of this process, plus Redis's.
 *
 *   node scripts/with-redis.js npx tsx bench/ingest-parts.ts [updates=20000]
 */
import { Redis } from 'ioredis';
import { telegram, telegramTextUpdate, wechat, wechatTextXml, type Update, type WebhookRequest } from '../framework/index';
import { createWechatCrypto, wechatSignature } from '../framework/adapters/wechat/crypto';
import { buildXml } from '../framework/adapters/wechat/xml';
import { FlowProducer } from 'bullmq';
import { createBatcher } from '../framework/jobs/batcher';
import { createInboundProducer } from '../framework/jobs/inbound';
import { inboundJobId, inboundQueueName, partitionOf } from '../framework/jobs/partition';
import { machine } from './machine';

const N = Number(process.argv[2] ?? 20_000);
const IN_FLIGHT = 50;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WX = { appId: 'wxbench0000000001', appSecret: 'bench-only-secret', token: 'benchtoken', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

function cpuMicros(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

async function cpuMicrosAsync(run: () => Promise<void>): Promise<{ cpu: number; seconds: number }> {
  const before = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(before);
  return { cpu: (used.user + used.system) / N, seconds: (performance.now() - started) / 1000 };
}

async function redisCpuMs(): Promise<number> {
  const redis = new Redis(redisUrl);
  const info = await redis.info('cpu');
  redis.disconnect();
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

async function main() {
  console.log(`bench/ingest-parts: ${N} updates, ${machine()} (2 cores shared with other work)`);
  console.log(`  command: npx tsx bench/ingest-parts.ts ${N}`);
  const redis = new Redis(redisUrl);
  const env = { bot: 'bench', redis, prefix: 'bench-parts' };

  // Telegram: secret-token header compare + JSON.parse + zod schema + mapping.
  const tg = telegram.create(telegram.settings.parse({ token: '123456:bench-only-token', secretToken: 'bench-only-secret', apiRoot: 'http://127.0.0.1:9' }), env);
  const tgRequests: WebhookRequest[] = Array.from({ length: N }, (_, i) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'bench-only-secret' },
    query: {},
    rawBody: Buffer.from(JSON.stringify(telegramTextUpdate({ updateId: i, chatId: 1000 + (i % 1000), text: `hello ${i}` }))),
  }));
  const tgUpdates: Update[] = [];
  for (let i = 0; i < 2000; i++) tg.parse(tgRequests[i]!);
  const tgCost = cpuMicros(() => {
    for (const request of tgRequests) {
      tg.verify(request);
      tgUpdates.push(...(tg.parse(request) as Update[]));
    }
  });
  console.log(`  telegram verify + parse: ${tgCost.toFixed(1)} µs/update`);

  // WeChat safe mode: two SHA-1 signatures, AES-256-CBC decrypt, two XML parses.
  const wx = wechat.create(wechat.settings.parse({ ...WX, apiRoot: 'http://127.0.0.1:9' }), env);
  const crypto = createWechatCrypto({ token: WX.token, appId: WX.appId, encodingAESKey: WX.encodingAESKey });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const wxRequests: WebhookRequest[] = Array.from({ length: N }, (_, i) => {
    const encrypt = crypto.encrypt(wechatTextXml({ openId: `oBench${i % 1000}`, text: `hello ${i}`, msgId: 7_000_000_000_000_000 + i }));
    const nonce = String(100_000_000 + i);
    return {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      query: { signature: wechatSignature(WX.token, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: crypto.signature(timestamp, nonce, encrypt) },
      rawBody: Buffer.from(buildXml('xml', { ToUserName: 'gh_kiosk_test', Encrypt: encrypt })),
    };
  });
  const wxCost = cpuMicros(() => {
    for (const request of wxRequests) {
      void wx.verify(request);
      void wx.parse(request);
    }
  });
  console.log(`  wechat (safe mode) verify + parse: ${wxCost.toFixed(1)} µs/update`);
  const size = (u: Update) => Buffer.byteLength(JSON.stringify(u));
  const withoutRaw = (u: Update) => {
    const { raw: _raw, ...rest } = u as Update & { raw?: unknown };
    return rest as Update;
  };
  console.log(`  telegram job data: ${size(tgUpdates[0]!)} bytes with raw, ${size(withoutRaw(tgUpdates[0]!))} without`);

  // The durable add, IN_FLIGHT requests at a time (as 50 connections would keep it busy).
  const variants = [
    { name: 'plain connection, 16 partitions', options: {}, partitions: 16, strip: false },
    { name: 'enableAutoPipelining, 16 partitions', options: { enableAutoPipelining: true }, partitions: 16, strip: false },
    { name: 'plain connection, 1 partition', options: {}, partitions: 1, strip: false },
    { name: 'plain connection, 16 partitions, update without raw', options: {}, partitions: 16, strip: true },
  ];
  for (const variant of variants) {
    const prefix = `bench-parts-${Date.now()}`;
    const connection = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, ...variant.options });
    await new Promise((resolve) => connection.once('ready', resolve));
    const producer = createInboundProducer(connection, { prefix, partitions: variant.partitions });
    const updates = variant.strip ? tgUpdates.map(withoutRaw) : tgUpdates;
    const redisBefore = await redisCpuMs();
    let next = 0;
    const { cpu, seconds } = await cpuMicrosAsync(async () => {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < N) await producer.add([updates[next++]!]);
        }),
      );
    });
    const redisCpu = ((await redisCpuMs()) - redisBefore) * 1000 / N;
    console.log(`  durable add (${variant.name}), ${IN_FLIGHT} in flight: ${Math.round(N / seconds)} adds/s, ${cpu.toFixed(1)} µs/update here + ${redisCpu.toFixed(1)} µs in Redis`);
    await producer.close();
    let cursor = '0';
    do {
      const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = c;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    connection.disconnect();
  }

  // The same adds, with one FlowProducer.addBulk (one MULTI over every partition) per flush
  // instead of one Queue.addBulk per partition: the experiment for a lighter producer.
  {
    const prefix = `bench-parts-${Date.now()}`;
    const connection = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise((resolve) => connection.once('ready', resolve));
    const flows = new FlowProducer({ connection, prefix });
    const enqueue = createBatcher<Update>(async (items) => {
      await flows.addBulk(
        items.map((update) => ({
          name: `${update.platform}.${update.kind}`,
          queueName: inboundQueueName(partitionOf(update, 16)),
          data: update,
          opts: { jobId: inboundJobId(update), attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } },
        })),
      );
    });
    const redisBefore = await redisCpuMs();
    let next = 0;
    const { cpu, seconds } = await cpuMicrosAsync(async () => {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < N) await enqueue(tgUpdates[next++]!);
        }),
      );
    });
    const redisCpu = (((await redisCpuMs()) - redisBefore) * 1000) / N;
    console.log(`  durable add (one FlowProducer.addBulk per flush over 16 partitions), ${IN_FLIGHT} in flight: ${Math.round(N / seconds)} adds/s, ${cpu.toFixed(1)} µs/update here + ${redisCpu.toFixed(1)} µs in Redis`);
    await flows.close();
    let cursor = '0';
    do {
      const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = c;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    connection.disconnect();
  }
  redis.disconnect();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
