/**
 * Broadcasts: one template to a list or a stream of conversations (a million subscribers'
 * monthly bills), rendered per customer and locale, delivered at the platform's rate. The
 * list is read as a stream, in batches, and reading pauses while too many messages wait, so
 * memory does not grow with the number of recipients (nor does Redis).
 */
import type { Redis } from 'ioredis';
import type { Renderer } from '../core/content';
import { resolveContent } from '../core/content';
import type { OutboundMessage } from '../core/outbound';
import type { Conversation } from '../core/update';
import { broadcastKey, countBroadcast, readBroadcastReport, type BroadcastReport } from './broadcast-report';
import type { DeliveryItem, DeliveryProducer } from './delivery';

/** One recipient: a conversation, and the data of their message. */
export interface BroadcastRecipient {
  conversation: Conversation;
  data?: Record<string, unknown>;
}

/** What to broadcast, to whom. */
export interface BroadcastOptions {
  /** Names the broadcast; running it again with the same id sends nobody a second copy. */
  id: string;
  /** A template name (`'bills/issued'`), a text, or a message. */
  content: string | OutboundMessage;
  /** The recipients, as an array or a stream (an async generator over a database cursor). */
  recipients: Iterable<BroadcastRecipient> | AsyncIterable<BroadcastRecipient>;
  /** Recipients queued per round trip. @defaultValue 500 */
  batchSize?: number;
  /** Most messages queued but not yet delivered before reading pauses. @defaultValue 5000 */
  maxInFlight?: number;
  /** Told after every batch. */
  onProgress?(report: BroadcastReport): void;
}

/** What a broadcast needs from Kiosk. */
export interface BroadcastDeps {
  redis: Redis;
  prefix: string;
  delivery: DeliveryProducer;
  render?: Renderer;
  /** How long the report is kept after the broadcast is listed, in seconds. @defaultValue 2592000 */
  reportTtlSeconds?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Queue a broadcast. Resolves once every recipient is queued (not delivered): follow the
 * delivery with `readBroadcastReport` or `waitForBroadcast`.
 */
export async function runBroadcast(deps: BroadcastDeps, options: BroadcastOptions): Promise<BroadcastReport> {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(options.id)) {
    throw new TypeError(`Broadcast id "${options.id}" is invalid: use letters, digits, '.', '_' or '-'.`);
  }
  const batchSize = options.batchSize ?? 500;
  const maxInFlight = options.maxInFlight ?? 5000;
  const key = broadcastKey(deps.prefix, options.id);
  const queuedKey = `${key}:queued`;
  let batch: DeliveryItem[] = [];
  let total = 0;
  let skipped = 0;

  const flush = async () => {
    if (batch.length > 0) {
      // A recipient listed twice, or a broadcast run again, is sent to once.
      const added = await deps.redis.multi(batch.map((item) => ['sadd', queuedKey, item.key])).exec();
      const items = batch.filter((_, i) => added?.[i]?.[1] === 1);
      skipped += batch.length - items.length;
      if (items.length) {
        await deps.delivery.deliverMany(items);
        await countBroadcast(deps.redis, deps.prefix, options.id, 'queued', items.length);
      }
      batch = [];
    }
    await countBroadcast(deps.redis, deps.prefix, options.id, 'total', total);
    await countBroadcast(deps.redis, deps.prefix, options.id, 'skipped', skipped);
    total = 0;
    skipped = 0;
    let report = await readBroadcastReport(deps.redis, deps.prefix, options.id);
    options.onProgress?.(report);
    while (report.queued - report.sent - report.failed > maxInFlight) {
      await sleep(100);
      report = await readBroadcastReport(deps.redis, deps.prefix, options.id);
    }
  };

  for await (const recipient of options.recipients) {
    total++;
    let message: OutboundMessage;
    try {
      message = resolveContent(options.content, recipient.data, recipient.conversation, deps.render);
    } catch {
      skipped++;
      continue;
    }
    const c = recipient.conversation;
    batch.push({ conversation: c, message, key: `b-${options.id}-${c.bot}-${c.platform}-${c.chat}`, broadcast: options.id });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await deps.redis.hset(key, 'listed', '1');
  const ttl = deps.reportTtlSeconds ?? 30 * 86_400;
  await deps.redis.expire(key, ttl);
  await deps.redis.expire(queuedKey, ttl);
  return readBroadcastReport(deps.redis, deps.prefix, options.id);
}
