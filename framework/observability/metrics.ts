/**
 * Kiosk's Prometheus metrics, in a registry of each Kiosk's own (never prom-client's global
 * one, so two Kiosks in one process, or a business's own metrics, do not collide).
 *
 * Counters and histograms count what this process did; the `kiosk_queue_jobs` gauges are
 * read from Redis at each scrape and so are the same, cluster-wide figures in every process.
 * Labels carry bot, platform, job and queue names only: never a chat, a user or a text.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueStats, QueueStatsReader } from './queue-stats';

/** Options of `createMetrics`. */
export interface MetricsOptions {
  /** Where the `kiosk_queue_jobs` gauges are read from at each scrape. */
  queueStats?: QueueStatsReader;
  /** Also export Node's process metrics (CPU, memory, event-loop lag) with prefix `kiosk_`. @defaultValue true */
  processMetrics?: boolean;
}

/** The metrics of one Kiosk. */
export interface KioskMetrics {
  /** The registry `/metrics` serves; register a business's own metrics here to serve them alongside. */
  readonly registry: Registry;
  /** `kiosk_updates_total{bot,platform,result}`: updates arriving at webhooks, by what became of them. */
  readonly updates: Counter<'bot' | 'platform' | 'result'>;
  /** `kiosk_handler_duration_seconds{bot,platform,result}`: time a bot took over one update (`handled` or `failed`). */
  readonly handlerSeconds: Histogram<'bot' | 'platform' | 'result'>;
  /** `kiosk_job_duration_seconds{job,result}`: time one attempt of a job took (`completed` or `failed`). */
  readonly jobSeconds: Histogram<'job' | 'result'>;
  /** `kiosk_deliveries_total{bot,platform,result}`: outbound messages `sent`, `gave_up`, `rate_limited`, `retried`. */
  readonly deliveries: Counter<'bot' | 'platform' | 'result'>;
  /** `kiosk_delivery_latency_seconds{bot,platform}`: from queued to accepted by the platform. */
  readonly deliverySeconds: Histogram<'bot' | 'platform'>;
  /** `kiosk_rate_limit_waits_total{bot,platform}`: times a platform asked Kiosk to wait (429). */
  readonly rateLimitWaits: Counter<'bot' | 'platform'>;
  /** `kiosk_rate_limit_wait_seconds_total{bot,platform}`: seconds the platforms asked Kiosk to wait. */
  readonly rateLimitSeconds: Counter<'bot' | 'platform'>;
  /** `kiosk_queue_jobs{queue,state}`: jobs per queue and state, read from Redis at each scrape. */
  readonly queueJobs: Gauge<'queue' | 'state'>;
  /** `kiosk_queue_paused{queue}`: 1 while a queue is paused. */
  readonly queuePaused: Gauge<'queue'>;
  /** The metrics in Prometheus's text format. */
  text(): Promise<string>;
}

/** Short requests and handlers are the norm; the tail shows a slow platform or Redis. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Jobs call the business's systems: seconds to minutes. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300];

/**
 * Create the metrics of one Kiosk.
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ queueStats });
 * metrics.updates.inc({ bot: 'taxi', platform: 'telegram', result: 'queued' });
 * console.log(await metrics.text());
 * ```
 */
export function createMetrics(options: MetricsOptions = {}): KioskMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'kiosk_' });
  const registers = [registry];
  const queueStats = options.queueStats;

  // Both queue gauges collect concurrently during one scrape: they share one reading.
  let reading: Promise<QueueStats[]> | undefined;
  const readQueues = (): Promise<QueueStats[]> => {
    if (!queueStats) return Promise.resolve([]);
    // Redis down: the gauges are absent from this scrape rather than failing it; /readyz says why.
    reading ??= queueStats
      .read()
      .catch(() => [])
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  const queuePaused = new Gauge({
    name: 'kiosk_queue_paused',
    help: 'Whether a Kiosk queue is paused (1) or not (0), read from Redis.',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const stats = await readQueues();
      this.reset();
      for (const { queue, paused } of stats) this.set({ queue }, paused ? 1 : 0);
    },
  });
  const queueJobs = new Gauge({
    name: 'kiosk_queue_jobs',
    help: 'Jobs in each Kiosk queue by state, read from Redis at scrape time (cached ~1.5 s); the same in every process.',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      const stats = await readQueues();
      this.reset();
      for (const { queue, counts } of stats) {
        for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
      }
    },
  });

  return {
    registry,
    queueJobs,
    queuePaused,
    updates: new Counter({
      name: 'kiosk_updates_total',
      help: 'Updates arriving at webhooks, by result: queued, unauthorized, malformed, too_large, not_found, unavailable, error.',
      labelNames: ['bot', 'platform', 'result'] as const,
      registers,
    }),
    handlerSeconds: new Histogram({
      name: 'kiosk_handler_duration_seconds',
      help: 'Time a bot took to handle one update, by result (handled, failed).',
      labelNames: ['bot', 'platform', 'result'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    jobSeconds: new Histogram({
      name: 'kiosk_job_duration_seconds',
      help: 'Time one attempt of a job took, by job and result (completed, failed).',
      labelNames: ['job', 'result'] as const,
      buckets: JOB_BUCKETS,
      registers,
    }),
    deliveries: new Counter({
      name: 'kiosk_deliveries_total',
      help: 'Outbound messages by result: sent, gave_up (refused for good), rate_limited (429, put back), retried (left for a later attempt).',
      labelNames: ['bot', 'platform', 'result'] as const,
      registers,
    }),
    deliverySeconds: new Histogram({
      name: 'kiosk_delivery_latency_seconds',
      help: 'Time from a message being queued to the platform accepting it.',
      labelNames: ['bot', 'platform'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    rateLimitWaits: new Counter({
      name: 'kiosk_rate_limit_waits_total',
      help: 'Times a platform answered 429 and Kiosk paused the bot’s delivery on that platform.',
      labelNames: ['bot', 'platform'] as const,
      registers,
    }),
    rateLimitSeconds: new Counter({
      name: 'kiosk_rate_limit_wait_seconds_total',
      help: 'Seconds of pause the platforms asked for with 429 answers.',
      labelNames: ['bot', 'platform'] as const,
      registers,
    }),
    text: () => registry.metrics(),
  };
}
