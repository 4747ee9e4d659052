/** The observer turns a message's path into metrics and id-only log lines. */
import type { Update } from '../../framework/core/update';
import type { DeliveryJob } from '../../framework/delivery/delivery';
import { createLogger } from '../../framework/log';
import { createMetrics } from '../../framework/observability/metrics';
import { createObserver } from '../../framework/observability/observer';

function setup(logPersonalData = false) {
  const text: string[] = [];
  const logger = createLogger({ level: 'info', logPersonalData, destination: { write: (line: string) => void text.push(line) } });
  const metrics = createMetrics({ processMetrics: false });
  const observe = createObserver({ logger, metrics, logPersonalData, serves: (bot, platform) => bot === 'taxi' && platform === 'telegram' });
  return { observe, metrics, lines: () => text.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const update: Update = {
  id: '9',
  bot: 'taxi',
  platform: 'telegram',
  kind: 'message',
  receivedAt: 0,
  chat: { id: '555', type: 'private' },
  from: { id: '555', name: 'Zephyrine' },
  message: { id: '1', text: 'hello there' },
  raw: {},
} as Update;

const job: DeliveryJob = {
  conversation: { bot: 'taxi', platform: 'telegram', chat: '555', user: '555', locale: 'en' },
  message: { text: 'Your driver is Zephyrine' },
  key: 'r-telegram-taxi-9-0',
  queuedAt: Date.now() - 50,
  correlationId: 'telegram-taxi-9',
} as DeliveryJob;

describe('observer', () => {
  test('a webhook from an unconfigured bot is counted as unknown, so URLs cannot grow the label set', async () => {
    const { observe, metrics } = setup();
    observe.webhook({ bot: 'taxi', platform: 'telegram', status: 200, updates: 3, durationMs: 2 });
    observe.webhook({ bot: 'taxi', platform: 'telegram', status: 401, updates: 0, code: 'KIOSK_SIGNATURE_INVALID', durationMs: 1 });
    observe.webhook({ bot: 'random-1234', platform: 'x', status: 404, updates: 0, code: 'KIOSK_NOT_FOUND', durationMs: 1 });
    const text = await metrics.text();
    expect(text).toContain('kiosk_updates_total{bot="taxi",platform="telegram",result="queued"} 3');
    expect(text).toContain('kiosk_updates_total{bot="taxi",platform="telegram",result="unauthorized"} 1');
    expect(text).toContain('kiosk_updates_total{bot="unknown",platform="unknown",result="not_found"} 1');
    expect(text).not.toContain('random-1234');
  });

  test('handler, job and delivery events become histograms and counters', async () => {
    const { observe, metrics } = setup();
    observe.handled(update, 'telegram-taxi-9', 12);
    observe.handled(update, 'telegram-taxi-9', 30, new Error('boom'));
    observe.jobCompleted('taxi.dispatch', '1', 120, 'telegram-taxi-9');
    observe.jobFailed('taxi.dispatch', '2', new Error('x'), false, 80, undefined);
    observe.delivered(job, 40);
    observe.rateLimited(job, 3);
    observe.deliveryGaveUp(job, 'blocked');
    const text = await metrics.text();
    expect(text).toContain('kiosk_handler_duration_seconds_count{bot="taxi",platform="telegram",result="handled"} 1');
    expect(text).toContain('kiosk_handler_duration_seconds_count{bot="taxi",platform="telegram",result="failed"} 1');
    expect(text).toContain('kiosk_job_duration_seconds_count{job="taxi.dispatch",result="completed"} 1');
    expect(text).toContain('kiosk_job_duration_seconds_count{job="taxi.dispatch",result="failed"} 1');
    expect(text).toContain('kiosk_deliveries_total{bot="taxi",platform="telegram",result="sent"} 1');
    expect(text).toContain('kiosk_deliveries_total{bot="taxi",platform="telegram",result="gave_up"} 1');
    expect(text).toContain('kiosk_rate_limit_waits_total{bot="taxi",platform="telegram"} 1');
    expect(text).toContain('kiosk_rate_limit_wait_seconds_total{bot="taxi",platform="telegram"} 3');
    expect(text).toContain('kiosk_delivery_latency_seconds_count{bot="taxi",platform="telegram"} 1');
  });

  test('lines carry ids and the correlation id, never the customer, unless logPersonalData', () => {
    const quiet = setup();
    quiet.observe.received(update, 'telegram-taxi-9');
    quiet.observe.delivered(job, 40);
    quiet.observe.updateFailed(update, new Error('boom'), true);
    const lines = quiet.lines();
    expect(lines.map((l) => l.correlationId)).toEqual(['telegram-taxi-9', 'telegram-taxi-9', 'telegram-taxi-9']);
    expect(lines[1]).toMatchObject({ delivery: 'd-r-telegram-taxi-9-0', msg: 'delivery sent' });
    expect(JSON.stringify(lines)).not.toMatch(/Zephyrine|hello there|"555"/);

    const loud = setup(true);
    loud.observe.received(update, 'telegram-taxi-9');
    expect(JSON.stringify(loud.lines())).toContain('hello there');
  });

  test('a job without a correlation id is correlated by its own id', () => {
    const { observe, lines } = setup();
    observe.jobStarted('bills.monthly', 'repeat-1', undefined, 1);
    expect(lines()[0]).toMatchObject({ job: 'bills.monthly', correlationId: 'repeat-1' });
  });
});
