/**
 * Where a durable webhook's time goes, part by part, in one process (no HTTP): the adapter's
 * verify + parse for Telegram JSON and WeChat encrypted XML, and the inbound producer's
 * durable add with 50 requests in flight: as shipped (one `Queue.add` per update on an
 * auto-pipelined connection), on a plain connection, with one partition, without `raw`, and
 * the producer before (one `addBulk` per partition per tick) and a `FlowProducer` variant. Figures are CPU microseconds per update of this process, plus Redis's.
 *
 *   node scripts/with-redis.js npx tsx bench/ingest-parts.ts [updates=20000]
 */
import { Redis } from 'ioredis';
import { telegram, telegramTextUpdate, wechat, wechatTextXml, type Update, type WebhookRequest } from '../framework/index';
import { createWechatCrypto, wechatSignature } from '../framework/adapters/wechat/crypto';
import { buildXml } from '../framework/adapters/wechat/xml';
import { FlowProducer, Queue } from 'bullmq';
import { createBatcher } from './batcher';
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

  // One way of adding, IN_FLIGHT requests at a time (as 50 connections would keep it busy), on
  // its own connection and prefix; prints CPU per update here and in Redis, then cleans up.
  const measure = async (
    name: string,
    options: { enableAutoPipelining?: boolean },
    open: (connection: Redis, prefix: string) => { add(update: Update): Promise<unknown>; close(): Promise<unknown> },
    updates = tgUpdates,
  ) => {
    const prefix = `bench-parts-${Date.now()}`;
    const connection = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, ...options });
    await new Promise((resolve) => connection.once('ready', resolve));
    const adder = open(connection, prefix);
    const redisBefore = await redisCpuMs();
    let next = 0;
    const { cpu, seconds } = await cpuMicrosAsync(async () => {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < N) await adder.add(updates[next++]!);
        }),
      );
    });
    const redisCpu = (((await redisCpuMs()) - redisBefore) * 1000) / N;
    if (name !== 'warm-up') console.log(`  durable add (${name}), ${IN_FLIGHT} in flight: ${Math.round(N / seconds)} adds/s, ${cpu.toFixed(1)} µs/update here + ${redisCpu.toFixed(1)} µs in Redis`);
    await adder.close();
    let cursor = '0';
    do {
      const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = c;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    connection.disconnect();
  };
  const jobOpts = (update: Update) => ({ jobId: inboundJobId(update), attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } });

  // The shipped producer. The first variant to run would also pay for the JIT warming BullMQ's
  // and ioredis's code: a round of the shipped one first, not reported.
  const variants = [
    { name: 'warm-up', options: { enableAutoPipelining: true }, partitions: 16, strip: false },
    { name: 'as shipped: Queue.add each, enableAutoPipelining, 16 partitions', options: { enableAutoPipelining: true }, partitions: 16, strip: false },
    { name: 'Queue.add each, plain connection, 16 partitions', options: {}, partitions: 16, strip: false },
    { name: 'Queue.add each, enableAutoPipelining, 1 partition', options: { enableAutoPipelining: true }, partitions: 1, strip: false },
    { name: 'Queue.add each, enableAutoPipelining, 16 partitions, update without raw', options: { enableAutoPipelining: true }, partitions: 16, strip: true },
  ];
  for (const variant of variants) {
    await measure(
      variant.name,
      variant.options,
      (connection, prefix) => {
        const producer = createInboundProducer(connection, { prefix, partitions: variant.partitions });
        return { add: (update) => producer.add([update]), close: () => producer.close() };
      },
      variant.strip ? tgUpdates.map(withoutRaw) : tgUpdates,
    );
  }

  // The producer before: the adds of a tick batched into one Queue.addBulk per partition
  // (bench/batcher.ts), i.e. up to 16 pipelines and 16 writes a tick.
  for (const autoPipelining of [false, true]) {
    await measure(`before: one Queue.addBulk per partition per tick, ${autoPipelining ? 'enableAutoPipelining' : 'plain connection'}`, { enableAutoPipelining: autoPipelining }, (connection, prefix) => {
      const queues = Array.from({ length: 16 }, (_, p) => new Queue(inboundQueueName(p), { connection, prefix }));
      const add = createBatcher<Update>(async (items) => {
        const byPartition = new Map<number, Update[]>();
        for (const update of items) byPartition.set(partitionOf(update, 16), [...(byPartition.get(partitionOf(update, 16)) ?? []), update]);
        await Promise.all([...byPartition].map(([partition, list]) => queues[partition]!.addBulk(list.map((update) => ({ name: `${update.platform}.${update.kind}`, data: update, opts: jobOpts(update) })))));
      });
      return { add, close: () => Promise.all(queues.map((queue) => queue.close())) };
    });
  }

  // One FlowProducer.addBulk (one MULTI over every partition) per tick instead.
  await measure('one FlowProducer.addBulk per flush over 16 partitions', {}, (connection, prefix) => {
    const flows = new FlowProducer({ connection, prefix });
    const add = createBatcher<Update>(async (items) => {
      await flows.addBulk(items.map((update) => ({ name: `${update.platform}.${update.kind}`, queueName: inboundQueueName(partitionOf(update, 16)), data: update, opts: jobOpts(update) })));
    });
    return { add, close: () => flows.close() };
  });
  redis.disconnect();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
