/**
 * Passive replies (WeChat): the webhook request waits, up to a deadline, for the handler's
 * first reply and carries it in its HTTP answer. The handler still runs in a worker from the
 * durable inbound queue. Web and worker race for one claim key in Redis: if the worker claims
 * it first, its reply goes back in the HTTP answer; if the deadline passes first, the web
 * claims it, answers `success`, and the reply goes out through the platform's API as usual.
 * Either way the customer gets it once.
 */
import type { Redis } from 'ioredis';
import type { OutboundMessage } from '../core/outbound';

// 1: the webhook carries the reply (now, or already did for an earlier run of this handler);
// 0: the webhook gave up waiting, the reply must go out through the platform's API.
const CLAIM_AND_STORE = `
if redis.call('SET', KEYS[1], 'worker', 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return 1
end
if redis.call('GET', KEYS[1]) == 'worker' then return 1 end
return 0`;

const KEEP_MS = 120_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function keys(prefix: string, updateJobId: string) {
  return { claim: `${prefix}:passive:${updateJobId}:claim`, reply: `${prefix}:passive:${updateJobId}:reply` };
}

/**
 * Worker side: offer the first reply of an update to the waiting webhook. Resolves `true`
 * when the webhook will carry it (nothing else to send), `false` when it is too late.
 */
export async function offerPassiveReply(redis: Redis, prefix: string, updateJobId: string, message: OutboundMessage): Promise<boolean> {
  const k = keys(prefix, updateJobId);
  const claimed = await redis.eval(CLAIM_AND_STORE, 2, k.claim, k.reply, JSON.stringify(message), String(KEEP_MS));
  return claimed === 1;
}

/** Web side: wait for the first reply up to the deadline; `undefined` once the web claimed the timeout. */
export async function awaitPassiveReply(redis: Redis, prefix: string, updateJobId: string, deadlineMs: number, pollMs = 25): Promise<OutboundMessage | undefined> {
  const k = keys(prefix, updateJobId);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const stored = await redis.get(k.reply);
    if (stored !== null) return JSON.parse(stored) as OutboundMessage;
    if (Date.now() >= deadline) break;
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
  const won = await redis.set(k.claim, 'web', 'PX', KEEP_MS, 'NX');
  if (won === 'OK') return undefined;
  // The worker claimed it between the last poll and now (or an earlier request of this retried webhook did).
  const stored = await redis.get(k.reply);
  return stored === null ? undefined : (JSON.parse(stored) as OutboundMessage);
}
