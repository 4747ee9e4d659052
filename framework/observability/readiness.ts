/**
 * What `/readyz` checks: Redis answers, the workers this process started are running, and no
 * Kiosk queue is paused. Kiosk never pauses a queue itself (a platform's 429 uses BullMQ's
 * rate limit, not a pause), so a paused queue is an operator's doing that someone must undo.
 */
import type { Worker } from 'bullmq';
import type { QueueStatsReader } from './queue-stats';

/** The answer of `/readyz`, in its JSON body. */
export interface Readiness {
  ready: boolean;
  /** `down` when Redis does not answer a PING. */
  redis: 'up' | 'down';
  /** `none` in a web-only process; `stopped` when a worker this process started is no longer running. */
  workers: 'running' | 'stopped' | 'none';
  /** `paused` when at least one queue is paused (named in `paused`); `unknown` when Redis does not answer. */
  queues: 'ok' | 'paused' | 'unknown';
  /** The paused queues. */
  paused?: string[];
}

/** What readiness is checked against. */
export interface ReadinessSources {
  /** Whether Redis answers (a PING on the shared connection). */
  redisUp(): Promise<boolean>;
  /** The workers this process runs (none in a web-only process). */
  workers(): readonly Worker[];
  /** The queues' figures. */
  queueStats: QueueStatsReader;
}

/**
 * Check readiness once.
 *
 * @example
 * ```ts
 * const readiness = await checkReadiness({ redisUp, workers: () => running, queueStats });
 * res.status(readiness.ready ? 200 : 503).json(readiness);
 * ```
 */
export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const [redisUp, stats] = await Promise.all([sources.redisUp().catch(() => false), sources.queueStats.read().catch(() => undefined)]);
  const workers = sources.workers();
  const workerState: Readiness['workers'] = workers.length === 0 ? 'none' : workers.every((worker) => worker.isRunning()) ? 'running' : 'stopped';
  const paused = stats?.filter((queue) => queue.paused).map((queue) => queue.queue) ?? [];
  const queues: Readiness['queues'] = !stats ? 'unknown' : paused.length ? 'paused' : 'ok';
  return {
    ready: redisUp && workerState !== 'stopped' && queues === 'ok',
    redis: redisUp ? 'up' : 'down',
    workers: workerState,
    queues,
    ...(paused.length ? { paused } : {}),
  };
}
