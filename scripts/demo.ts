/**
 * `npm start`: the demo. Serves the hub (every service behind one menu) and each service as a
 * bot of its own, on the web chat and on Telegram (against a local fake Bot API, so no token
 * or internet is needed), with workers in the same process. The bills and tickets services
 * keep their records in the same Redis, seeded with sample accounts, a bill for each and a
 * catalogue; payments go through a simulated provider that calls the bills callback back.
 * Secrets here are for development only.
 */
import { join } from 'node:path';
import { createBots } from '../bots';
import { BillsStore, SAMPLE_ACCOUNTS, SimulatedPaymentProvider, billingPeriod, billsRouter, simulatedAmount } from '../bots/bills';
import { createTicketStore, demoCatalogue } from '../bots/tickets';
import { Redis, builtinAdapters, createKiosk, createLogger, createTemplates, loadConfig, startFakeTelegram, stopOnSignals, type FakeTelegram, type Kiosk } from '../framework/index';
import { createJobs } from '../workers';

/** Options of `startDemo`. */
export interface DemoOptions {
  /** The Redis to use. @defaultValue `REDIS_URL`, else `redis://127.0.0.1:6379` */
  redisUrl?: string;
  /** The prefix of every key. @defaultValue `KIOSK_PREFIX`, else `'kiosk-demo'` */
  prefix?: string;
  /** The port to serve on; `0` picks a free one. @defaultValue `PORT`, else 3000 (or a free one if it is taken) */
  port?: number;
  /** Log level. @defaultValue `KIOSK_LOG_LEVEL`, else `'warn'` */
  logLevel?: string;
}

/** A running demo. */
export interface Demo {
  /** The base URL, e.g. `http://127.0.0.1:3000`. */
  base: string;
  /** The running Kiosk: its queues, broadcast, deliveries. */
  kiosk: Kiosk;
  /** The local fake Bot API the Telegram adapter talks to; `sent` holds what the bots sent there. */
  fakeTelegram: FakeTelegram;
  /** The bots served, by name. */
  bots: string[];
  /** Stop everything this demo started. */
  close(): Promise<void>;
}

const PAYMENT_SECRET = 'dev-only-payment-callback-secret';

/** Seed the demo's business data: accounts with this month's bill each, and the catalogue. */
async function seed(bills: BillsStore, tickets: ReturnType<typeof createTicketStore>): Promise<void> {
  await bills.seedAccounts(SAMPLE_ACCOUNTS);
  const period = billingPeriod(new Date().toISOString().slice(0, 10));
  for (const account of SAMPLE_ACCOUNTS) await bills.issueBill(account, period, simulatedAmount(account.number, period.period));
  await tickets.seed(demoCatalogue());
}

/**
 * Start the demo in this process: Kiosk with every bot and job, workers, a fake Telegram and
 * the seeded stores. `npm start` runs it; the browser test starts it too.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ port: 0, prefix: 'test-demo' });
 * console.log(`${demo.base}/webchat/hub`);
 * await demo.close();
 * ```
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const fakeTelegram = await startFakeTelegram();
  const platforms = {
    webchat: { secret: 'dev-only-webchat-secret-not-for-production' },
    telegram: { token: '123456:dev-only-token', secretToken: 'dev-only-telegram-secret', apiRoot: fakeTelegram.apiRoot },
  };
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = options.prefix ?? process.env.KIOSK_PREFIX ?? 'kiosk-demo';

  // The business's own records, in the same Redis as Kiosk, under the demo's prefix.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const billsStore = new BillsStore(redis, { prefix: `${prefix}:bills` });
  const ticketStore = createTicketStore({ redis, prefix: `${prefix}:tickets` });
  await seed(billsStore, ticketStore);

  let base = '';
  const payments = new SimulatedPaymentProvider({ secret: PAYMENT_SECRET, callbackUrl: () => `${base}/payments/bills/callback` });
  const deps = { bills: { store: billsStore, payments }, tickets: { store: ticketStore } };
  const bots = createBots(deps);
  let kiosk: Kiosk | undefined;
  const jobs = createJobs({
    bills: {
      store: billsStore,
      // The jobs exist before the kiosk; they run only once it does.
      broadcast: (broadcast) => (kiosk ? kiosk.broadcast(broadcast) : Promise.reject(new Error('The demo has not started yet.'))),
    },
    tickets: deps.tickets,
  });

  const config = loadConfig({
    adapters: builtinAdapters,
    object: { redisUrl, prefix, bots: Object.fromEntries(bots.map((bot) => [bot.name, { platforms }])) },
  });
  const templates = createTemplates({ root: join(__dirname, '..', 'templates') });
  const logger = createLogger({ level: options.logLevel ?? process.env.KIOSK_LOG_LEVEL ?? 'warn' });
  const running = createKiosk({
    config: { ...config, prefix },
    bots,
    jobs: jobs.all,
    render: templates.render,
    logger,
    routers: (parts) => [billsRouter({ store: billsStore, secret: PAYMENT_SECRET, kiosk: parts })],
  });
  kiosk = running;
  await running.startWorkers();
  const port = options.port ?? config.port;
  base = await running.listen(port, '127.0.0.1').catch(() => running.listen(0, '127.0.0.1'));

  return {
    base,
    kiosk: running,
    fakeTelegram,
    bots: bots.map((bot) => bot.name),
    async close() {
      payments.close();
      await running.close();
      await fakeTelegram.close();
      redis.disconnect();
    },
  };
}

async function main() {
  const demo = await startDemo();
  const { base, kiosk, fakeTelegram } = demo;
  const lines = [
    '',
    'Kiosk demo is running (development secrets only).',
    '',
    ...demo.bots.map((bot) => `  Web chat (${bot}):${' '.repeat(Math.max(1, 9 - bot.length))}${base}/webchat/${bot}`),
    '',
    '  Webhooks:',
    ...kiosk.webhookUrls(base).map((w) => `    ${w.platform.padEnd(9)} ${w.url}`),
    '',
    `  Bills payment callback: ${base}/payments/bills/callback (the simulated provider pays every bill after 1.5 s)`,
    `  Sample bill accounts: ${'ACC-1001 (postcode SW1A 1AA), ACC-1002 (200000), ACC-1003 (75005)'}`,
    `  Fake Telegram Bot API: ${fakeTelegram.apiRoot} (Telegram replies are printed below)`,
    `  Health: ${base}/healthz   Ready: ${base}/readyz`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ];
  console.log(lines.join('\n'));

  let printed = 0;
  const printer = setInterval(() => {
    for (const message of fakeTelegram.sent.slice(printed)) console.log(`[telegram → chat ${message.chat_id}] ${message.text ?? ''}`);
    printed = fakeTelegram.sent.length;
  }, 500);

  // demo.close stops Kiosk (finishing the work in hand), then the fake Telegram, the provider and the stores' Redis.
  stopOnSignals({ close: demo.close, logger: kiosk.logger }, { before: () => clearInterval(printer) });
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`kiosk demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
