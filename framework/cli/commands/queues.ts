/**
 * `kiosk queues`: how much work waits where, and the failed jobs: list, retry, remove. Reads
 * and changes BullMQ's queues directly, so it works whether or not workers are running.
 */
import type { Redis } from 'ioredis';
import type { KioskOptions } from '../../kiosk';
import { UsageError, type CliCommand, type CommandInput } from '../command';
import { integerOption } from '../serve';

// BullMQ and the queue list are required when a command runs, not at start: see serve.ts.
const queueList = () => require('../queue-list') as typeof import('../queue-list');
const openQueue: typeof import('../queue-list').openQueue = (...args) => queueList().openQueue(...args);

const COUNTS = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Run `work` with one Redis connection for the app's queues, closed afterwards. */
async function withRedis<T>(app: KioskOptions, work: (redis: Redis) => Promise<T>): Promise<T> {
  const { Redis } = require('ioredis') as typeof import('ioredis');
  // Fail fast when Redis is down rather than retrying forever.
  const redis = new Redis(app.config.redisUrl, { maxRetriesPerRequest: 1, retryStrategy: (times) => (times > 3 ? null : 200) });
  redis.on('error', () => undefined);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** `kiosk queues`. */
export const queuesCommand: CliCommand = {
  words: ['queues'],
  summary: 'Count the jobs in every queue: inbound partitions, jobs, delivery partitions',
  description: 'Columns: waiting (incl. prioritized), active, delayed, failed, completed (kept for de-duplication).',
  options: { json: { type: 'boolean', description: 'Print JSON: [{ kind, name, waiting, active, delayed, failed, completed }]' } },
  examples: ['kiosk queues', 'kiosk queues --json'],
  async run({ options, io, loadApp }) {
    const app = await loadApp();
    const rows = await withRedis(app, (redis) =>
      Promise.all(
        queueList().kioskQueues(app).map(async ({ kind, name }) => {
          const queue = openQueue(app, name, redis, 'queues');
          const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
          await queue.close();
          return { kind, name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0 };
        }),
      ),
    );
    if (options.json) {
      io.out(JSON.stringify(rows));
      return 0;
    }
    const width = Math.max(5, ...rows.map((r) => r.name.length)) + 2;
    io.out(`${'queue'.padEnd(width)}${COUNTS.map((c) => c.padStart(11)).join('')}`);
    for (const row of rows) io.out(`${row.name.padEnd(width)}${COUNTS.map((c) => String(row[c]).padStart(11)).join('')}`);
    const total = (kind: string, c: (typeof COUNTS)[number]) => rows.filter((r) => r.kind === kind).reduce((sum, r) => sum + r[c], 0);
    for (const kind of ['inbound', 'job', 'delivery']) io.out(`${`(all ${kind})`.padEnd(width)}${COUNTS.map((c) => String(total(kind, c)).padStart(11)).join('')}`);
    return 0;
  },
};

/** `kiosk queues failed <queue>`. */
export const queuesFailedCommand: CliCommand = {
  words: ['queues', 'failed'],
  summary: 'List the failed jobs of a queue, newest first, with why they failed',
  args: [{ name: 'queue', description: 'A queue name as `kiosk queues` prints it, e.g. inbound-3 or job-taxi.dispatch' }],
  options: { limit: { type: 'string', value: '<n>', description: 'How many to list. Default: 20' } },
  examples: ['kiosk queues failed delivery-telegram-taxi-0 --limit 50'],
  async run(input: CommandInput) {
    const app = await input.loadApp();
    const limit = integerOption(input, 'limit', 'queues failed', 1, 10_000) ?? 20;
    return withRedis(app, async (redis) => {
      const queue = openQueue(app, input.args[0]!, redis, 'queues failed');
      const jobs = await queue.getFailed(0, limit - 1);
      const total = await queue.getFailedCount();
      input.io.out(`${total} failed job${total === 1 ? '' : 's'} in ${queue.name}${total > jobs.length ? ` (showing ${jobs.length})` : ''}`);
      for (const job of jobs) {
        const when = job.finishedOn ? new Date(job.finishedOn).toISOString() : '-';
        // The reason is the error's first line; job data (customer content) is never printed.
        const reason = (job.failedReason ?? '').split('\n')[0];
        input.io.out(`  ${job.id}  ${job.name}  attempts ${job.attemptsMade}  ${when}  ${reason}`);
      }
      await queue.close();
      return 0;
    });
  },
};

/** `kiosk queues retry <queue> [job-id]`. */
export const queuesRetryCommand: CliCommand = {
  words: ['queues', 'retry'],
  summary: 'Retry one failed job, or every failed job of a queue',
  args: [
    { name: 'queue', description: 'A queue name as `kiosk queues` prints it' },
    { name: 'job-id', description: 'The failed job to retry. Default: all failed jobs of the queue', optional: true },
  ],
  examples: ['kiosk queues retry job-taxi.dispatch', 'kiosk queues retry inbound-3 telegram-taxi-123456'],
  async run({ args, io, loadApp }) {
    const app = await loadApp();
    return withRedis(app, async (redis) => {
      const queue = openQueue(app, args[0]!, redis, 'queues retry');
      try {
        if (args[1] !== undefined) {
          const job = await queue.getJob(args[1]);
          if (!job) throw new UsageError(`no job "${args[1]}" in ${queue.name}; \`kiosk queues failed ${queue.name}\` lists the failed ones`, 'queues retry');
          const state = await job.getState();
          if (state !== 'failed') {
            io.err(`job ${job.id} is ${state}, not failed; only failed jobs are retried.`);
            return 1;
          }
          await job.retry('failed');
          io.out(`job ${job.id} of ${queue.name} moved back to waiting.`);
          return 0;
        }
        const count = await queue.getFailedCount();
        await queue.retryJobs({ state: 'failed', count: 1000 });
        io.out(`${count} failed job${count === 1 ? '' : 's'} of ${queue.name} moved back to waiting.`);
        return 0;
      } finally {
        await queue.close();
      }
    });
  },
};

/** `kiosk queues remove <queue> <job-id>` / `--failed`. */
export const queuesRemoveCommand: CliCommand = {
  words: ['queues', 'remove'],
  summary: 'Remove one job (not while it runs), or every failed job of a queue with --failed',
  args: [
    { name: 'queue', description: 'A queue name as `kiosk queues` prints it' },
    { name: 'job-id', description: 'The job to remove', optional: true },
  ],
  options: { failed: { type: 'boolean', description: 'Remove every failed job of the queue instead of one job' } },
  examples: ['kiosk queues remove job-taxi.dispatch 42', 'kiosk queues remove delivery-line-taxi-2 --failed'],
  async run({ args, options, io, loadApp }) {
    if ((args[1] === undefined) === !options.failed) throw new UsageError('give either a <job-id> or --failed (not both)', 'queues remove');
    const app = await loadApp();
    return withRedis(app, async (redis) => {
      const queue = openQueue(app, args[0]!, redis, 'queues remove');
      try {
        if (options.failed) {
          const removed = await queue.clean(0, 0, 'failed');
          io.out(`${removed.length} failed job${removed.length === 1 ? '' : 's'} removed from ${queue.name}.`);
          return 0;
        }
        const job = await queue.getJob(args[1]!);
        if (!job) throw new UsageError(`no job "${args[1]}" in ${queue.name}`, 'queues remove');
        try {
          await job.remove();
        } catch (error) {
          io.err(`job ${job.id} could not be removed (${error instanceof Error ? error.message : String(error)}); a running job is removed once it ends, or wait and try again.`);
          return 1;
        }
        io.out(`job ${job.id} removed from ${queue.name}.`);
        return 0;
      } finally {
        await queue.close();
      }
    });
  },
};
