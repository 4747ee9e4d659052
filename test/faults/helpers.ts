/**
 * What the fault tests share: an echo bot on Telegram, posting many webhooks as a platform
 * does (retrying until a 2xx), and the final count "acknowledged = handled = delivered, none
 * twice", read from the inbound queues in Redis and from the fake Telegram.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Bot } from '../../framework/core/bot';
import { deliveryQueueName } from '../../framework/delivery/queue-names';
import { inboundQueueName } from '../../framework/jobs/partition';
import type { FakeTelegram } from '../../framework/testing/fake-telegram';
import { postTelegramUpdate, telegramTextUpdate } from '../../framework/testing/post-update';
import { TELEGRAM_SECRET } from '../helpers/kiosk';
import { sleep } from '../helpers/wait';

/** An echo bot that records what it handled; `holdMs` makes each handler take that long. */
export function echoBot(handled: string[], holdMs = 0): Bot {
  const bot = new Bot('echo');
  bot.on('message:text', async (ctx) => {
    if (holdMs) await sleep(holdMs);
    handled.push(ctx.text);
    await ctx.reply(`echo ${ctx.text}`);
  });
  return bot;
}

/** The text of update `i`; its update_id is `i` and its chat `1000 + i`. */
export const textOf = (i: number) => `u${i}`;

/**
 * Post updates `0 … count-1` over `connections` connections, each retried (after `retryMs`)
 * until it is answered 200, as Telegram retries an unanswered webhook. Returns every status
 * seen and the ids acknowledged; pass `acknowledged` and `statuses` to watch them fill in.
 */
export async function postAll(
  base: string,
  count: number,
  connections: number,
  retryMs = 100,
  acknowledged = new Set<number>(),
  statuses: number[] = [],
): Promise<{ statuses: number[]; acknowledged: Set<number> }> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) {
        const i = next++;
        for (;;) {
          const update = telegramTextUpdate({ updateId: i, chatId: 1000 + i, text: textOf(i) });
          const status = await postTelegramUpdate(base, 'echo', update, TELEGRAM_SECRET).then(
            (r) => r.status,
            () => 0,
          );
          statuses.push(status);
          if (status === 200) break;
          await sleep(retryMs);
        }
        acknowledged.add(i);
      }
    }),
  );
  return { statuses, acknowledged };
}

/** How many inbound updates completed and failed, over every partition. */
export async function inboundCounts(redisUrl: string, prefix: string, partitions: number): Promise<{ completed: number; failed: number; waiting: number; active: number }> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const totals = { completed: 0, failed: 0, waiting: 0, active: 0 };
  for (let p = 0; p < partitions; p++) {
    const queue = new Queue(inboundQueueName(p), { connection, prefix });
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
    totals.completed += counts.completed ?? 0;
    totals.failed += counts.failed ?? 0;
    totals.waiting += counts.waiting ?? 0;
    totals.active += counts.active ?? 0;
    await queue.close();
  }
  connection.disconnect();
  return totals;
}

/** How many delivery jobs (one per reply key) exist in every state, over a bot's delivery partitions. */
export async function deliveryJobCount(redisUrl: string, prefix: string, platform: string, bot: string, partitions = 4): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let total = 0;
  for (let p = 0; p < partitions; p++) {
    const queue = new Queue(deliveryQueueName(platform, bot, p), { connection, prefix });
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized');
    total += Object.values(counts).reduce((a, b) => a + b, 0);
    await queue.close();
  }
  connection.disconnect();
  return total;
}

/** How many times each reply text reached the fake Telegram. */
export function deliveredCounts(fake: FakeTelegram): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of fake.sent) counts.set(message.text ?? '', (counts.get(message.text ?? '') ?? 0) + 1);
  return counts;
}

/** The replies that arrived more than once (should be none). */
export function deliveredTwice(fake: FakeTelegram): string[] {
  return [...deliveredCounts(fake)].filter(([, n]) => n > 1).map(([text]) => text);
}
