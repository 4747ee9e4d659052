/**
 * Broadcasts: one template to a list or a stream of conversations (a million subscribers'
 * monthly bills), rendered per customer and locale, delivered at the platform's rate. The
 * list is read as a stream, in batches, and reading pauses while too many messages wait, so
 * memory does not grow with the number of recipients. Redis keeps, per recipient, one short
 * hash in the broadcast's `queued` set (about 64 bytes): delivered broadcast messages are
 * removed with their jobs, and need no delivery record unless the platform sends statuses.
 */
import { createHash } from 'node:crypto';
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
 * A recipient's entry in a broadcast's `queued` set (`<prefix>:broadcast:<id>:queued`): 72 bits
 * of SHA-256 of bot, platform and chat, in 12 base64url characters, the smallest string Redis
 * stores without rounding up (about 64 bytes per entry, against ~96 for the readable key). It
 * does not name the chat; to find or erase a customer's entries compute theirs and use
 * `SMISMEMBER` / `SREM`.
 *
 * @example
 * await redis.smismember(`${prefix}:broadcast:bills-2026-11:queued`, broadcastMember({ bot: 'bills', platform: 'telegram', chat: '42' }));
 */
export function broadcastMember(conversation: Pick<Conversation, 'bot' | 'platform' | 'chat'>): string {
  return createHash('sha256').update(`${conversation.bot}\0${conversation.platform}\0${conversation.chat}`).digest().subarray(0, 9).toString('base64url');
}

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
  const ttl = deps.reportTtlSeconds ?? 30 * 86_400;
  let batch: DeliveryItem[] = [];
  let members: string[] = [];
  let total = 0;
  let skipped = 0;

  const flush = async () => {
    if (batch.length > 0) {
      // A recipient listed twice, or a broadcast run again, is sent to once. The list expires
      // with the report even when this run stops half-way.
      const added = await deps.redis.multi([...members.map((member) => ['sadd', queuedKey, member]), ['expire', queuedKey, ttl], ['expire', key, ttl]]).exec();
      const items = batch.filter((_, i) => added?.[i]?.[1] === 1);
      skipped += batch.length - items.length;
      if (items.length) {
        await deps.delivery.deliverMany(items);
        await countBroadcast(deps.redis, deps.prefix, options.id, 'queued', items.length);
      }
      batch = [];
      members = [];
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
    members.push(broadcastMember(c));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await deps.redis.multi().hset(key, 'listed', '1').expire(key, ttl).expire(queuedKey, ttl).exec();
  return readBroadcastReport(deps.redis, deps.prefix, options.id);
}
