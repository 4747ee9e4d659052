/**
 * The queues UI at `/admin/queues`: behind HTTP Basic credentials from configuration, showing
 * every Kiosk queue; not served at all when no credentials are configured.
 */
import { z } from 'zod';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { Bot } from '../../framework/core/bot';
import { defineJob } from '../../framework/jobs/define-job';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';

const ADMIN = { username: 'ops', password: 'dev-only-admin-password' };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const dispatch = defineJob({ name: 'admin.dispatch', schema: z.object({}), async handler() {} });

describe('the queues UI', () => {
  const prefix = uniquePrefix();
  let kiosk: Kiosk;
  let bare: Kiosk;
  let base: string;
  let bareBase: string;

  beforeAll(async () => {
    // The fake Bot API is never called here: nothing is sent.
    const settings = { taxi: { telegram: telegramSettings('http://127.0.0.1:9') } };
    const common = { bots: [new Bot('taxi')], adapters: [telegram], jobs: [dispatch], logger: createLogger({ level: 'silent' }), delivery: { partitions: 2 } };
    kiosk = createKiosk({ ...common, config: testConfig(prefix, settings, { admin: ADMIN }) });
    bare = createKiosk({ ...common, bots: [new Bot('taxi')], config: testConfig(`${prefix}-bare`, settings) });
    base = await kiosk.listen(0);
    bareBase = await bare.listen(0);
  });

  afterAll(async () => {
    await kiosk.close();
    await bare.close();
    await dropPrefix(prefix);
  });

  test('without credentials it is 401 with a Basic challenge', async () => {
    const res = await fetch(`${base}/admin/queues`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="Kiosk admin"/);
  });

  test('with a wrong password or user it is 401, and its API too', async () => {
    expect((await fetch(`${base}/admin/queues`, { headers: basic('ops', 'dev-only-admin-passwore') })).status).toBe(401);
    expect((await fetch(`${base}/admin/queues`, { headers: basic('root', ADMIN.password) })).status).toBe(401);
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: basic('ops', 'nope') })).status).toBe(401);
  });

  test('with the configured credentials it serves the UI', async () => {
    const res = await fetch(`${base}/admin/queues`, { headers: basic(ADMIN.username, ADMIN.password) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('Kiosk queues');
  });

  test('it lists every Kiosk queue: inbound partitions, jobs and delivery partitions', async () => {
    const res = await fetch(`${base}/admin/queues/api/queues?activeQueue=&page=1&jobsPerPage=10`, { headers: basic(ADMIN.username, ADMIN.password) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: Array<{ name: string }> };
    const names = body.queues.map((q) => q.name).sort();
    expect(names).toEqual(['delivery-telegram-taxi-0', 'delivery-telegram-taxi-1', 'inbound-0', 'inbound-1', 'job-admin.dispatch', 'job-kiosk.flow-timeout']);
  });

  test('without admin credentials in the configuration it is not served (404)', async () => {
    expect((await fetch(`${bareBase}/admin/queues`)).status).toBe(404);
    expect((await fetch(`${bareBase}/admin/queues`, { headers: basic(ADMIN.username, ADMIN.password) })).status).toBe(404);
  });
});
