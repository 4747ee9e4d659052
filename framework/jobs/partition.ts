/**
 * Per-chat order across any number of worker processes. BullMQ's open-source edition has no
 * groups, so inbound updates go to a fixed number of partition queues chosen by a hash of
 * the chat, and each partition runs one job at a time across the whole cluster
 * (`setGlobalConcurrency(1)`). Two updates of one chat always land in the same partition,
 * so they are handled in the order they were queued.
 */
import type { Update } from '../core/update';

/** FNV-1a, 32-bit: cheap, stable across processes and versions, well spread for short keys. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The partition (0 … partitions-1) of the chat an update belongs to. */
export function partitionOf(update: { bot: string; platform: string; chat: { id: string } }, partitions: number): number {
  return fnv1a(`${update.bot}\u0000${update.platform}\u0000${update.chat.id}`) % partitions;
}

/** The name of one inbound partition queue. */
export function inboundQueueName(partition: number): string {
  return `inbound-${partition}`;
}

/**
 * A BullMQ job id for an update, so a webhook the platform retries is queued once.
 * BullMQ refuses ids that contain `:` or are plain integers; the platform/bot prefix rules
 * out the latter and `%`-escaping the former keeps ids distinct.
 */
export function inboundJobId(update: Pick<Update, 'bot' | 'platform' | 'id'>): string {
  const escape = (s: string) => s.replace(/%/g, '%25').replace(/:/g, '%3A');
  return `${escape(update.platform)}-${escape(update.bot)}-${escape(update.id)}`;
}
