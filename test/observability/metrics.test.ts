/** Each Kiosk's metrics live in their own registry and read queue figures at scrape time. */
import { register } from 'prom-client';
import { createMetrics } from '../../framework/observability/metrics';
import type { QueueStatsReader } from '../../framework/observability/queue-stats';
import { StoreUnavailableError } from '../../framework/core/errors';

const counts = { waiting: 2, prioritized: 0, active: 1, delayed: 4, 'waiting-children': 0, completed: 9, failed: 1 };

describe('metrics', () => {
  test('two Kiosks in one process have separate registries, and the global one stays empty', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.updates.inc({ bot: 'taxi', platform: 'telegram', result: 'queued' });
    expect(await a.text()).toContain('kiosk_updates_total{bot="taxi",platform="telegram",result="queued"} 1');
    expect(await b.text()).not.toContain('kiosk_updates_total{');
    expect(register.getSingleMetric('kiosk_updates_total')).toBeUndefined();
  });

  test('queue gauges are read at scrape time, and reflect each reading', async () => {
    let reads = 0;
    const queueStats: QueueStatsReader = { read: async () => (reads++, [{ queue: 'inbound-0', counts: { ...counts, waiting: reads }, paused: reads > 1 }]) };
    const metrics = createMetrics({ queueStats, processMetrics: false });
    expect(await metrics.text()).toContain('kiosk_queue_jobs{queue="inbound-0",state="waiting"} 1');
    const second = await metrics.text();
    expect(second).toContain('kiosk_queue_jobs{queue="inbound-0",state="waiting"} 2');
    expect(second).toContain('kiosk_queue_jobs{queue="inbound-0",state="delayed"} 4');
    expect(second).toContain('kiosk_queue_paused{queue="inbound-0"} 1');
  });

  test('a scrape while Redis is down still answers, without queue gauges', async () => {
    const queueStats: QueueStatsReader = { read: async () => Promise.reject(new StoreUnavailableError('down')) };
    const text = await createMetrics({ queueStats, processMetrics: false }).text();
    expect(text).toContain('# TYPE kiosk_updates_total counter');
    expect(text).not.toContain('kiosk_queue_jobs{');
  });

  test('process metrics are exported with the kiosk_ prefix by default', async () => {
    expect(await createMetrics().text()).toContain('kiosk_process_cpu_user_seconds_total');
  });
});
