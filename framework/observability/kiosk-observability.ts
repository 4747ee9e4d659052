/**
 * Observability of one Kiosk, assembled from its parts: the metrics registry and `/metrics`,
 * the log lines of a message's path (`observe`), `/readyz`'s checks, and the queues UI at
 * `/admin/queues` when `admin` credentials are configured.
 */
import type { Queue, Worker } from 'bullmq';
import type { Router } from 'express';
import type { KioskConfig } from '../config/schema';
import type { Logger } from '../log';
import { adminRouter } from './admin';
import { createMetrics, type KioskMetrics } from './metrics';
import { metricsRouter } from './metrics-route';
import { createObserver, type Observer } from './observer';
import { createQueueStats } from './queue-stats';
import { checkReadiness, type Readiness } from './readiness';

/** What the observability of a Kiosk is built from. */
export interface KioskObservabilityOptions {
  config: Pick<KioskConfig, 'admin' | 'logPersonalData'>;
  logger: Logger;
  /** Every queue of the deployment (inbound partitions, jobs, delivery partitions). */
  queues(): readonly Queue[];
  /** The workers this process runs now. */
  workers(): readonly Worker[];
  /** Whether Redis answers. */
  redisUp(): Promise<boolean>;
  /** Whether the connections are up now (queue figures are not read while they are not). */
  connected(): boolean;
  /** Whether a bot and platform are served. */
  serves(bot: string, platform: string): boolean;
  /** How long queue figures are reused, ms. @defaultValue 1500 */
  queueStatsCacheMs?: number;
}

/** The observability of a Kiosk. */
export interface KioskObservability {
  readonly metrics: KioskMetrics;
  readonly observe: Observer;
  /** `/metrics`, and `/admin/queues` when configured. */
  routers(): Router[];
  /** `/readyz`'s answer. */
  isReady(): Promise<Readiness>;
}

/**
 * Assemble a Kiosk's observability.
 *
 * @example
 * ```ts
 * const observability = createKioskObservability({ config, logger, queues, workers, redisUp, serves });
 * app.use(...observability.routers());
 * ```
 */
export function createKioskObservability(options: KioskObservabilityOptions): KioskObservability {
  const queueStats = createQueueStats(options.queues, {
    connected: options.connected,
    ...(options.queueStatsCacheMs !== undefined ? { cacheMs: options.queueStatsCacheMs } : {}),
  });
  const metrics = createMetrics({ queueStats });
  const observe = createObserver({ logger: options.logger, metrics, serves: options.serves, logPersonalData: options.config.logPersonalData ?? false });
  return {
    metrics,
    observe,
    routers() {
      const routers = [metricsRouter(metrics)];
      const admin = options.config.admin;
      if (admin) routers.push(adminRouter({ credentials: admin, queues: options.queues() }));
      return routers;
    },
    isReady: () => checkReadiness({ redisUp: options.redisUp, workers: options.workers, queueStats }),
  };
}
