/**
 * Delivery records: what became of each message Kiosk sent, kept in Redis for the
 * de-duplication horizon. Written when the platform accepts a message (it then also marks the
 * delivery as done, so a re-run job does not send it twice) and updated by the platform's
 * status callbacks (delivered, read, failed) where it sends them. Broadcast messages to a
 * platform without status callbacks get no record (their job carries the "sent" marker and
 * is removed once done; see delivery-worker.ts), so a million-recipient broadcast leaves none.
 */
import type { Redis } from 'ioredis';
import type { DeliveryStatus } from '../adapters/adapter';
import type { Conversation } from '../core/update';

/** What Kiosk knows about one delivered message. */
export interface DeliveryRecord {
  /** The delivery's id (its idempotency key's job id). */
  deliveryId: string;
  bot: string;
  platform: string;
  chat: string;
  /** The platform's id for the sent message, when it gave one. */
  platformMessageId?: string;
  state: 'sent' | DeliveryStatus['state'];
  /** Milliseconds since the epoch of the latest state. */
  at: number;
  /** The platform's reason, when `state` is `failed`. */
  error?: string;
}

/** Key of a delivery's record; its existence means "already sent". */
export function deliveryRecordKey(prefix: string, deliveryId: string): string {
  return `${prefix}:delivered:${deliveryId}`;
}

function messageIndexKey(prefix: string, platform: string, platformMessageId: string): string {
  return `${prefix}:delivered-by-message:${platform}:${platformMessageId}`;
}

/** Record that the platform accepted a message. */
export async function recordSent(
  redis: Redis,
  prefix: string,
  deliveryId: string,
  conversation: Conversation,
  platformMessageId: string | undefined,
  ttlSeconds: number,
  at = Date.now(),
): Promise<void> {
  const key = deliveryRecordKey(prefix, deliveryId);
  const fields: Record<string, string> = { bot: conversation.bot, platform: conversation.platform, chat: conversation.chat, state: 'sent', at: String(at) };
  if (platformMessageId) fields.platformMessageId = platformMessageId;
  const tx = redis.multi().hset(key, fields).expire(key, ttlSeconds);
  if (platformMessageId) tx.set(messageIndexKey(prefix, conversation.platform, platformMessageId), deliveryId, 'EX', ttlSeconds);
  await tx.exec();
}

const STATE_RANK: Record<DeliveryRecord['state'], number> = { sent: 0, delivered: 1, read: 2, failed: 3 };

// Moves a record forward only (a late "delivered" never overwrites "read").
const ADVANCE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ranks = { sent = 0, delivered = 1, read = 2, failed = 3 }
local current = ranks[redis.call('HGET', KEYS[1], 'state')] or 0
if ranks[ARGV[1]] <= current then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'at', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
return 1`;

/**
 * Apply a platform's status callbacks to the records of the messages they are about.
 * Resolves with how many records moved forward; statuses of unknown messages are ignored.
 */
export async function recordStatuses(redis: Redis, prefix: string, platform: string, statuses: readonly DeliveryStatus[]): Promise<number> {
  let moved = 0;
  for (const status of statuses) {
    const deliveryId = await redis.get(messageIndexKey(prefix, platform, status.platformMessageId));
    if (!deliveryId) continue;
    if (STATE_RANK[status.state] === undefined) continue;
    const result = await redis.eval(ADVANCE, 1, deliveryRecordKey(prefix, deliveryId), status.state, String(status.at ?? Date.now()), status.error ?? '');
    if (result === 1) moved++;
  }
  return moved;
}

/** Read one delivery's record, or `undefined` when none is kept. */
export async function readDeliveryRecord(redis: Redis, prefix: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
  const fields = await redis.hgetall(deliveryRecordKey(prefix, deliveryId));
  if (!fields.state) return undefined;
  const record: DeliveryRecord = {
    deliveryId,
    bot: fields.bot ?? '',
    platform: fields.platform ?? '',
    chat: fields.chat ?? '',
    state: fields.state as DeliveryRecord['state'],
    at: Number(fields.at),
  };
  if (fields.platformMessageId) record.platformMessageId = fields.platformMessageId;
  if (fields.error) record.error = fields.error;
  return record;
}
