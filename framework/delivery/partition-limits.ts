/**
 * A platform's per-bot rate split across a bot's delivery partitions. Each partition gets
 * an equal share, as a BullMQ limiter (`max` jobs per `duration` ms), so all partitions
 * together never exceed the platform's rate, and one chat (always in one partition) gets at
 * most one share.
 */
import type { RateLimits } from '../adapters/adapter';

/** A BullMQ limiter for one of `partitions` partitions sharing `limits.perSecond`. */
export function partitionLimiter(limits: RateLimits, partitions: number): { max: number; duration: number } {
  const perPartition = limits.perSecond / partitions;
  const max = Math.max(1, Math.ceil(perPartition));
  return { max, duration: Math.ceil((1000 * max) / perPartition) };
}
