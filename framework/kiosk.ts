/**
 * Assembles Kiosk from its parts: configuration, bots, platform adapters, Redis, the inbound
 * queue, its workers and the HTTP app. A process may serve webhooks, run workers, or both
 * (`kiosk start` runs both; `kiosk web` and `kiosk worker` scale each on its own).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Router } from 'express';
import { Redis } from 'ioredis';
import type { Adapter } from './adapters/adapter';
import type { AdapterDefinition } from './adapters/definition';
import { builtinAdapters } from './adapters/registry';
import type { KioskConfig } from './config/schema';
import type { ContextServices } from './core/context';
import { ConfigError, StoreUnavailableError } from './core/errors';
import type { Update } from './core/update';
import { webchatEndpointOf } from './adapters/webchat/adapter';
import { createHttpApp } from './http/app';
import { createWebhookServer } from './http/fast-webhook';
import type { WebhookRouteOptions } from './http/webhook-route';
import { webchatRoutes } from './http/webchat-routes';
import { runBroadcast, type BroadcastOptions } from './delivery/broadcast';
import { readBroadcastReport, type BroadcastReport } from './delivery/broadcast-report';
import { createDeliveryProducer } from './delivery/delivery';
import { awaitPassiveReply, offerPassiveReply } from './delivery/passive-reply';
import { readDeliveryRecord, recordStatuses, type DeliveryRecord } from './delivery/delivery-record';
import { openServiceWindow } from './delivery/service-window';
import { rememberChoices, resolveNumberedChoice } from './delivery/numbered-choices';
import { inboundJobId } from './jobs/partition';
import { ensureDeliveryOrdering, startDeliveryConsumer, type DeliveryConsumer } from './delivery/delivery-worker';
import type { OutboundMessage } from './core/outbound';
import { conversationOf, type Conversation } from './core/update';
import type { Renderer } from './core/content';
import type { JobOptions, JobRef } from './core/job-options';
import type { JobDefinition } from './jobs/define-job';
import { createJobProducer, type JobEnvelope, type JobFlow, type JobRepeat } from './jobs/job-producer';
import type { Queue } from 'bullmq';
import { startJobConsumer, type JobConsumer } from './jobs/job-worker';
import type { z } from 'zod';
import { createInboundProducer, startInboundConsumer, type InboundConsumer } from './jobs/inbound';
import { createLogger, type Logger } from './log';
import { createKioskObservability } from './observability/kiosk-observability';
import { DEFAULT_DELIVERY_PARTITIONS, kioskQueues } from './queue-list';
import type { KioskMetrics } from './observability/metrics';
import { retentionOf } from './config/schema';
import { IdentityStore } from './identity/identity-store';
import { privacyHooksOf, type CustomerDataHook } from './privacy/hook';
import { daysToSeconds, deliveryRetention, RetainedFlowStore, withJobRetention } from './privacy/retention';
import { flowTimeout, flowTimeoutJob } from './flow/timeout-job';

/** What the runtime needs of a bot: `Bot` satisfies it whatever its context type. */
export interface ServableBot {
  readonly name: string;
  readonly defaultLocale: string;
  handleUpdate(update: Update, services: ContextServices): Promise<unknown>;
}

/** Options of `createKiosk`. */
export interface KioskOptions {
  /** Validated configuration, from `loadConfig`. */
  config: KioskConfig;
  /** The bots to serve; each must be configured under `bots.<name>`. */
  bots: ServableBot[];
  /** Platforms besides (or instead of) the built-in ones. @defaultValue the built-in adapters */
  adapters?: readonly AdapterDefinition[];
  /** Where logs go. @defaultValue a pino logger at `KIOSK_LOG_LEVEL` */
  logger?: Logger;
  /** Fine-tuning of the inbound workers; tests shorten the stalled-job checks. */
  inbound?: { lockDuration?: number; stalledInterval?: number; attempts?: number; dedupeSeconds?: number };
  /** The jobs this deployment runs (usually everything `workers/` exports). */
  jobs?: readonly JobDefinition[];
  /** Renders templates for replies and notifications. */
  render?: Renderer;
  /** Fine-tuning of the job workers: concurrency for every job, stalled-job checks. */
  jobWorkers?: { concurrency?: number; lockDuration?: number; stalledInterval?: number };
  /** Fine-tuning of delivery: partitions per bot and platform, inline retries and their first backoff. */
  delivery?: { partitions?: number; inlineRetries?: number; backoffMs?: number; lockDuration?: number };
  /** Extra routers for the web app, built once the adapters exist (the web chat's routes…). */
  routers?: (kiosk: KioskParts) => Router[];
  /**
   * The business's records of a customer, for `exportCustomerData` and `eraseCustomerData`
   * (`framework/privacy`). @defaultValue none: only what Kiosk itself holds
   */
  privacy?: CustomerDataHook | readonly CustomerDataHook[];
}

/** What routers and plugins may use from a running Kiosk. */
export interface KioskParts {
  readonly config: KioskConfig;
  readonly redis: Redis;
  readonly logger: Logger;
  /** Links between customers' accounts on several platforms (`ctx.customer`). */
  readonly identity: IdentityStore;
  /** The business's hooks for customers' records (`createKiosk({ privacy })`). */
  readonly privacyHooks: readonly CustomerDataHook[];
  adapterFor(bot: string, platform: string): Adapter | undefined;
  /**
   * Queue a message for delivery to a conversation. `key` makes it idempotent: the same key
   * is delivered once. Workers write back to customers through this.
   */
  deliver(conversation: Conversation, message: OutboundMessage, key: string): Promise<string>;
  /** Validate and enqueue a job from outside a handler (an admin task, a payment webhook). */
  enqueue<S extends z.ZodType>(job: JobRef<S>, data: z.input<S>, options?: JobOptions & { conversation?: Conversation }): Promise<string>;
  /** Enqueue a job with children it waits for (a bill run waiting for each account's bill). */
  enqueueFlow(flow: JobFlow, conversation?: Conversation): Promise<string>;
  /** Create or update a recurring job, e.g. a monthly bill run: `{ pattern: '0 9 1 * *', tz: 'Europe/Paris' }`. */
  schedule<S extends z.ZodType>(job: JobRef<S>, scheduleId: string, repeat: JobRepeat, data: z.input<S>): Promise<void>;
  /** Remove a schedule. */
  unschedule(job: JobRef, scheduleId: string): Promise<boolean>;
  /** Remove a job that has not started. */
  cancel(job: JobRef, id: string): Promise<boolean>;
  /** The BullMQ queue of a job, to inspect its waiting, delayed and failed jobs. */
  jobsQueue(job: JobRef): Queue<JobEnvelope>;
  /**
   * Send one template to many conversations at the platforms' rates. Resolves once all are
   * queued; the report then fills in as messages are delivered.
   *
   * @example
   * ```ts
   * await kiosk.broadcast({ id: 'bills-2026-11', content: 'bills/issued', recipients: customersWithBills() });
   * ```
   */
  broadcast(options: BroadcastOptions): Promise<BroadcastReport>;
  /** Where a broadcast stands: listed, queued, sent, failed, skipped. */
  broadcastReport(id: string): Promise<BroadcastReport>;
  /**
   * What became of one delivered message (sent, delivered, read, failed), by the delivery id
   * `ctx.reply` and `deliver` resolve with; `undefined` when it was not sent (yet) or its record expired.
   */
  deliveryRecord(deliveryId: string): Promise<DeliveryRecord | undefined>;
}

/** A Kiosk deployment in one process. */
export interface Kiosk extends KioskParts {
  /** The express app serving webhooks, health and the web chat. */
  readonly app: Express;
  /** This Kiosk's Prometheus metrics (served at `/metrics`); register a business's own metrics in `metrics.registry`. */
  readonly metrics: KioskMetrics;
  /** Serve the app; resolves to its base URL. @defaultValue port from config, host 127.0.0.1 */
  listen(port?: number, host?: string): Promise<string>;
  /** Start handling queued updates, jobs and deliveries in this process. */
  startWorkers(): Promise<void>;
  /** Stop the workers of this process (they finish what they hold); `startWorkers` starts them again. */
  stopWorkers(): Promise<void>;
  /** The webhook URL of every configured bot and platform under a base URL. */
  webhookUrls(baseUrl: string): Array<{ bot: string; platform: string; url: string }>;
  /** Stop serving and working: finishes updates in hand, then closes connections. */
  close(): Promise<void>;
}

function buildAdapters(
  config: KioskConfig,
  definitions: readonly AdapterDefinition[],
  redis: Redis,
): Map<string, Adapter> {
  const byPlatform = new Map(definitions.map((d) => [d.platform, d]));
  const adapters = new Map<string, Adapter>();
  for (const [bot, botConfig] of Object.entries(config.bots)) {
    for (const [platform, settings] of Object.entries(botConfig.platforms)) {
      const definition = byPlatform.get(platform);
      const path = `bots.${bot}.platforms.${platform}`;
      if (!definition) {
        throw new ConfigError(path, `unknown platform; known platforms are ${[...byPlatform.keys()].join(', ')}.`);
      }
      const parsed = definition.settings.safeParse(settings);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ConfigError([path, ...issue.path.map(String)].join('.'), issue.message);
      }
      adapters.set(`${bot}/${platform}`, definition.create(parsed.data, { bot, redis, prefix: config.prefix }));
    }
  }
  return adapters;
}

/**
 * Create a Kiosk deployment from configuration and bots. Nothing listens and no worker runs
 * until `listen` and `startWorkers` are called.
 *
 * @example
 * ```ts
 * const kiosk = createKiosk({ config: loadConfig({ adapters: builtinAdapters }), bots: [taxi] });
 * await kiosk.startWorkers();
 * console.log(`listening on ${await kiosk.listen()}`);
 * ```
 */
export function createKiosk(options: KioskOptions): Kiosk {
  const { config } = options;
  // What customers' data is kept for; each limit is applied where that data is written.
  const retention = retentionOf(config);
  const logger = options.logger ?? createLogger(config.logPersonalData ? { logPersonalData: true } : {});
  const bots = new Map(options.bots.map((bot) => [bot.name, bot]));
  for (const name of bots.keys()) {
    if (!config.bots[name]) throw new ConfigError(`bots.${name}`, `bot "${name}" is defined in code but not configured; add it under bots.`);
  }
  for (const name of Object.keys(config.bots)) {
    if (!bots.has(name)) throw new ConfigError(`bots.${name}`, `bot "${name}" is configured but no bot of that name was passed to createKiosk.`);
  }

  const onRedisError = (role: string) => {
    let last = '';
    return (error: Error) => {
      // One line per change of state, not one per reconnect attempt.
      if (error.message !== last) logger.warn({ role, err: error.message }, 'redis connection error');
      last = error.message;
    };
  };
  // Shared connection for adapters, sessions and readiness; commands wait while reconnecting.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', onRedisError('shared'));
  // The producer fails fast so a webhook is answered 503 at once when Redis is down; its
  // commands of one tick go out in one write (auto-pipelining: bench/README.md, durable ingest).
  const producerConnection = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  producerConnection.on('error', onRedisError('producer'));
  let workerConnection: Redis | undefined;
  const deliveryPartitions = options.delivery?.partitions ?? DEFAULT_DELIVERY_PARTITIONS;
  // Delivery jobs are queued by workers and handlers, which may wait out a Redis restart.
  const delivery = createDeliveryProducer(redis, { prefix: config.prefix, partitions: deliveryPartitions, ...deliveryRetention(retention) });
  let deliveryConsumer: DeliveryConsumer | undefined;

  const adapters = buildAdapters(config, options.adapters ?? builtinAdapters, redis);
  const adapterFor = (bot: string, platform: string) => adapters.get(`${bot}/${platform}`);

  const inboundOptions = {
    prefix: config.prefix,
    partitions: config.inboundPartitions,
    ...(options.inbound?.attempts !== undefined ? { attempts: options.inbound.attempts } : {}),
    dedupeSeconds: options.inbound?.dedupeSeconds ?? daysToSeconds(retention.finishedJobDays),
    keepFailedSeconds: daysToSeconds(retention.failedJobDays),
  };
  const producer = createInboundProducer(producerConnection, inboundOptions);
  let consumer: InboundConsumer | undefined;
  let server: Server | undefined;

  const deliver = async (conversation: Conversation, message: OutboundMessage, key: string, correlationId?: string) => {
    const adapter = adapterFor(conversation.bot, conversation.platform);
    if (!adapter) {
      throw new ConfigError(`bots.${conversation.bot}.platforms.${conversation.platform}`, 'cannot send on a platform that is not configured for this bot.');
    }
    // Remembered in the order messages are queued, which is the order the chat sees them.
    if (adapter.numberedChoices) await rememberChoices(redis, config.prefix, conversation, message);
    return delivery.deliver(conversation, message, key, correlationId);
  };
  const jobs = withJobRetention(createJobProducer(redis, config.prefix), retention);
  // Sessions and flows share one store: flows need its versioned writes and leases.
  const sessions = new RetainedFlowStore(redis, { prefix: config.prefix, maxTtlSeconds: daysToSeconds(retention.sessionDays) });
  const identity = new IdentityStore(redis, { prefix: config.prefix });
  let jobConsumer: JobConsumer | undefined;
  const parts: KioskParts = {
    config,
    redis,
    logger,
    identity,
    privacyHooks: privacyHooksOf(options.privacy),
    adapterFor,
    deliver,
    enqueue: (job, data, enqueueOptions) => jobs.enqueue(job, data, enqueueOptions),
    enqueueFlow: (flow, conversation) => jobs.enqueueFlow(flow, conversation),
    schedule: (job, scheduleId, repeat, data) => jobs.schedule(job, scheduleId, repeat, data),
    unschedule: (job, scheduleId) => jobs.unschedule(job, scheduleId),
    cancel: (job, id) => jobs.cancel(job, id),
    jobsQueue: (job) => jobs.queue(job),
    broadcast: (broadcastOptions) =>
      runBroadcast({ redis, prefix: config.prefix, delivery, ...(options.render ? { render: options.render } : {}) }, broadcastOptions),
    broadcastReport: (id) => readBroadcastReport(redis, config.prefix, id),
    deliveryRecord: (id) => readDeliveryRecord(redis, config.prefix, id),
  };

  const observability = createKioskObservability({
    config,
    logger,
    // Every queue of the deployment, for /metrics, /readyz and the queues UI.
    queues: () =>
      kioskQueues(options).map((q) =>
        q.kind === 'inbound'
          ? producer.queues[q.partition]!
          : q.kind === 'job'
            ? jobs.queue({ name: q.job, schema: flowTimeout.schema })
            : delivery.queue(q.platform, q.bot, q.partition),
      ),
    workers: () => [...(consumer?.workers ?? []), ...(jobConsumer?.workers ?? []), ...(deliveryConsumer?.workers ?? [])],
    redisUp: async () => producerConnection.status === 'ready' && (await redis.ping()) === 'PONG',
    connected: () => producerConnection.status === 'ready' && redis.status === 'ready',
    serves: (bot, platform) => adapters.has(`${bot}/${platform}`),
  });
  const observe = observability.observe;

  const webhookOptions: WebhookRouteOptions = {
    adapterFor,
    enqueue: async (updates) => {
      await producer.add(updates);
      for (const update of updates) observe.received(update, inboundJobId(update));
    },
    recordStatuses: async (_bot, platform, statuses) => {
      try {
        await recordStatuses(producerConnection, config.prefix, platform, statuses);
      } catch (error) {
        throw new StoreUnavailableError('Redis is unreachable; status callbacks could not be recorded, the platform will retry.', { cause: error });
      }
    },
    awaitPassiveReply: (update, deadlineMs) => awaitPassiveReply(redis, config.prefix, inboundJobId(update), deadlineMs),
    bodyLimitBytes: config.webhookBodyLimitBytes,
    onOutcome: (outcome) => observe.webhook(outcome),
  };
  const app = createHttpApp({
    ...webhookOptions,
    isReady: () => observability.isReady(),
    routers: [...observability.routers(), webchatRoutes({ adapters: (bot) => webchatEndpointOf(adapterFor(bot, 'webchat')) }), ...(options.routers?.(parts) ?? [])],
  });

  /**
   * Replies of one update are keyed by the update's job and their rank, so a handler that
   * runs again after a crash queues the same keys and the customer sees each reply once.
   */
  const servicesFor = (update: Update, jobId: string): ContextServices => {
    const adapter = adapterFor(update.bot, update.platform);
    if (!adapter) throw new ConfigError(`bots.${update.bot}.platforms.${update.platform}`, 'an update arrived for a platform this process does not serve; every process needs the same configuration.');
    let rank = 0;
    let firstReply = true;
    return {
      send: async (conversation, message) => {
        const key = `r-${jobId}-${rank++}`;
        const passive =
          adapter.passiveReply &&
          firstReply &&
          (adapter.passiveReply.accepts?.(message) ?? true) &&
          conversation.platform === update.platform &&
          conversation.chat === update.chat.id;
        firstReply = false;
        if (passive && (await offerPassiveReply(redis, config.prefix, jobId, message))) {
          if (adapter.numberedChoices) await rememberChoices(redis, config.prefix, conversation, message);
          return { deliveryId: `passive-${jobId}` };
        }
        return { deliveryId: await deliver(conversation, message, key, jobId) };
      },
      // Enqueues of one update are keyed like its replies, so a re-run handler enqueues nothing twice.
      enqueue: (job, data, enqueueOptions) =>
        jobs.enqueue(job, data, { ...(enqueueOptions.jobId || enqueueOptions.deduplication ? enqueueOptions : { ...enqueueOptions, jobId: `e-${jobId}-${rank++}` }), correlationId: jobId }),
      cancel: (job, id) => jobs.cancel(job, id),
      store: sessions,
      ...(options.render ? { render: options.render } : {}),
      ...(adapter.answerButton ? { answerButton: (u: Update, text?: string) => adapter.answerButton!(u, text) } : {}),
    };
  };

  const handle = async (update: Update, jobId: string) => {
    const bot = bots.get(update.bot);
    if (!bot) throw new ConfigError(`bots.${update.bot}`, 'an update arrived for a bot this process does not serve.');
    const started = performance.now();
    const adapter = adapterFor(update.bot, update.platform);
    const window = adapter?.serviceWindow;
    if (window && !(update.kind === 'event' && update.event?.type === 'unsubscribe')) {
      await openServiceWindow(redis, config.prefix, window, conversationOf(update), update.receivedAt);
    }
    const routed = adapter?.numberedChoices ? await resolveNumberedChoice(redis, config.prefix, update) : update;
    try {
      const customer = await identity.handleFor({ platform: routed.platform, user: routed.from.id });
      await bot.handleUpdate(routed, { ...servicesFor(routed, jobId), customer });
    } catch (error) {
      observe.handled(update, jobId, performance.now() - started, error);
      throw error;
    }
    observe.handled(update, jobId, performance.now() - started);
  };

  const stopWorkers = async () => {
    // Handlers and jobs first: what they send on their way out is still delivered by this process.
    await Promise.all([consumer?.close(), jobConsumer?.close()]);
    await deliveryConsumer?.close();
    consumer = undefined;
    jobConsumer = undefined;
    deliveryConsumer = undefined;
    workerConnection?.disconnect();
    workerConnection = undefined;
  };

  return {
    ...parts,
    app,
    metrics: observability.metrics,
    stopWorkers,
    webhookUrls(baseUrl) {
      const base = baseUrl.replace(/\/+$/, '');
      return [...adapters.keys()].map((key) => {
        const [bot, platform] = key.split('/') as [string, string];
        return { bot, platform, url: `${base}/webhooks/${bot}/${platform}` };
      });
    },
    listen(port = config.port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        // Webhook POSTs are answered by node:http directly, everything else by the express app.
        const listening = createWebhookServer(app, webhookOptions);
        listening.once('error', reject);
        listening.listen(port, host, () => {
          listening.off('error', reject);
          const address = listening.address() as AddressInfo;
          resolve(`http://${host}:${address.port}`);
        });
        server = listening;
      });
    },
    async startWorkers() {
      if (consumer) return;
      workerConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
      workerConnection.on('error', onRedisError('worker'));
      await producer.ensureOrdering();
      consumer = startInboundConsumer(workerConnection, {
        ...inboundOptions,
        ...(options.inbound?.lockDuration !== undefined ? { lockDuration: options.inbound.lockDuration } : {}),
        ...(options.inbound?.stalledInterval !== undefined ? { stalledInterval: options.inbound.stalledInterval } : {}),
        handle: (update, job) => handle(update, job.id ?? `${update.platform}-${update.id}`),
        onFailed: (update, error, final) => observe.updateFailed(update, error, final),
      });
      const served = [...adapters].map(([key, adapter]) => ({ bot: key.split('/')[0]!, adapter }));
      const deliveryOptions = {
        prefix: config.prefix,
        partitions: deliveryPartitions,
        adapters: served,
        producer: delivery,
        ...deliveryRetention(retention),
        ...(options.delivery?.inlineRetries !== undefined ? { inlineRetries: options.delivery.inlineRetries } : {}),
        ...(options.delivery?.backoffMs !== undefined ? { backoffMs: options.delivery.backoffMs } : {}),
        ...(options.delivery?.lockDuration !== undefined ? { lockDuration: options.delivery.lockDuration } : {}),
      };
      await ensureDeliveryOrdering(deliveryOptions);
      deliveryConsumer = startDeliveryConsumer(workerConnection, {
        ...deliveryOptions,
        onDelivered: (job, _sent, ms) => observe.delivered(job, ms),
        onGaveUp: (job, reason) => observe.deliveryGaveUp(job, reason),
        onRateLimited: (job, seconds) => observe.rateLimited(job, seconds),
        onFailed: (job, error, final) => observe.deliveryFailed(job, error, final),
      });
      jobConsumer = startJobConsumer(workerConnection, {
        prefix: config.prefix,
        // Flow idle timeouts are delayed jobs, run by whichever worker is up when they fall due.
        jobs: [...(options.jobs ?? []), flowTimeoutJob(sessions)],
        producer: jobs,
        deliver,
        ...(options.render ? { render: options.render } : {}),
        ...(options.jobWorkers?.concurrency !== undefined ? { concurrency: options.jobWorkers.concurrency } : {}),
        ...(options.jobWorkers?.lockDuration !== undefined ? { lockDuration: options.jobWorkers.lockDuration } : {}),
        ...(options.jobWorkers?.stalledInterval !== undefined ? { stalledInterval: options.jobWorkers.stalledInterval } : {}),
        onStarted: (job, id, correlationId, attempt) => observe.jobStarted(job.name, id, correlationId, attempt),
        onCompleted: (job, id, ms, correlationId) => observe.jobCompleted(job.name, id, ms, correlationId),
        onFailed: (job, id, error, final, ms, correlationId) => observe.jobFailed(job.name, id, error, final, ms, correlationId),
      });
      await Promise.all([...consumer.workers, ...deliveryConsumer.workers, ...jobConsumer.workers].map((worker) => worker.waitUntilReady()));
    },
    async close() {
      if (server) {
        const closing = server;
        server = undefined;
        closing.closeAllConnections?.();
        // A connection opened while closing would hold close() open: drop stragglers after a moment.
        const straggling = setTimeout(() => closing.closeAllConnections?.(), 2_000);
        await new Promise<void>((resolve) => closing.close(() => resolve()));
        clearTimeout(straggling);
      }
      await stopWorkers();
      await jobs.close();
      await producer.close();
      await delivery.close();
      await Promise.all([...adapters.values()].map((adapter) => adapter.close?.()));
      for (const connection of [producerConnection, redis]) {
        if (connection && connection.status !== 'end') connection.disconnect();
      }
    },
  };
}
