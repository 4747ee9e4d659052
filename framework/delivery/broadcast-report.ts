/** The counters of a broadcast, kept in one Redis hash so any process can read its progress. */
import type { Redis } from 'ioredis';

/** Where a broadcast stands. */
export interface BroadcastReport {
  id: string;
  /** Recipients read from the list so far. */
  total: number;
  /** Messages queued for delivery. */
  queued: number;
  /** Messages the platform accepted. */
  sent: number;
  /** Messages the platform refused for good, or that ran out of attempts. */
  failed: number;
  /** Recipients not queued: their message could not be rendered, or they were listed twice. */
  skipped: number;
  /** Whether every recipient has been read and every queued message has an outcome. */
  done: boolean;
}

/** The Redis key of a broadcast's counters. */
export function broadcastKey(prefix: string, id: string): string {
  return `${prefix}:broadcast:${id}`;
}

/** Add to one counter of a broadcast. */
export async function countBroadcast(redis: Redis, prefix: string, id: string, field: 'total' | 'queued' | 'sent' | 'failed' | 'skipped', by = 1): Promise<void> {
  await redis.hincrby(broadcastKey(prefix, id), field, by);
}

/** Read a broadcast's report. */
export async function readBroadcastReport(redis: Redis, prefix: string, id: string): Promise<BroadcastReport> {
  const hash = await redis.hgetall(broadcastKey(prefix, id));
  const n = (field: string) => Number(hash[field] ?? 0);
  const report = { id, total: n('total'), queued: n('queued'), sent: n('sent'), failed: n('failed'), skipped: n('skipped') };
  return { ...report, done: hash.listed === '1' && report.sent + report.failed >= report.queued };
}
