/** What `/readyz` decides from Redis, the process's workers and the queues' figures. */
import type { Worker } from 'bullmq';
import type { QueueStats, QueueStatsReader } from '../../framework/observability/queue-stats';
import { checkReadiness } from '../../framework/observability/readiness';
import { StoreUnavailableError } from '../../framework/core/errors';

const counts = { waiting: 0, prioritized: 0, active: 0, delayed: 0, 'waiting-children': 0, completed: 0, failed: 0 };
const stats = (...queues: Array<[string, boolean]>): QueueStatsReader => ({
  read: async () => queues.map(([queue, paused]): QueueStats => ({ queue, counts, paused })),
});
const down: QueueStatsReader = { read: async () => Promise.reject(new StoreUnavailableError('down')) };
const worker = (running: boolean) => ({ isRunning: () => running }) as unknown as Worker;

describe('checkReadiness', () => {
  test('ready with Redis up, workers running and no queue paused', async () => {
    const readiness = await checkReadiness({ redisUp: async () => true, workers: () => [worker(true)], queueStats: stats(['inbound-0', false]) });
    expect(readiness).toEqual({ ready: true, redis: 'up', workers: 'running', queues: 'ok' });
  });

  test('a web-only process (no workers) is ready', async () => {
    expect((await checkReadiness({ redisUp: async () => true, workers: () => [], queueStats: stats() })).ready).toBe(true);
  });

  test('a paused queue makes the process unready and is named', async () => {
    const readiness = await checkReadiness({ redisUp: async () => true, workers: () => [], queueStats: stats(['inbound-0', false], ['job-taxi.dispatch', true]) });
    expect(readiness).toMatchObject({ ready: false, queues: 'paused', paused: ['job-taxi.dispatch'] });
  });

  test('a worker that stopped running makes the process unready', async () => {
    const readiness = await checkReadiness({ redisUp: async () => true, workers: () => [worker(true), worker(false)], queueStats: stats() });
    expect(readiness).toMatchObject({ ready: false, workers: 'stopped' });
  });

  test('Redis down: unready, queues unknown, and a failing ping does not throw', async () => {
    const readiness = await checkReadiness({ redisUp: async () => Promise.reject(new Error('ECONNREFUSED')), workers: () => [], queueStats: down });
    expect(readiness).toEqual({ ready: false, redis: 'down', workers: 'none', queues: 'unknown' });
  });
});
