/**
 * `kiosk menu publish` against the fake WeChat API, with the menu from a configuration file,
 * and `kiosk queues failed|retry|remove` on a queue holding a real failed job.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { startFakeWechat, type FakeWechat } from '../../framework/testing/fake-wechat';
import { dropPrefix, TELEGRAM_SECRET } from '../helpers/kiosk';
import { connect, redisUrl, uniquePrefix } from '../helpers/redis';
import { waitUntil } from '../helpers/wait';
import { runKiosk } from './cli-process';

jest.setTimeout(90_000);

const MENU = {
  button: [
    { type: 'click', name: 'Taxi', key: 'taxi:order' },
    { name: 'More', sub_button: [{ type: 'view', name: 'Website', url: 'https://example.com/' }] },
  ],
};

describe('kiosk menu publish', () => {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-menu-'));
  let fake: FakeWechat;

  beforeAll(async () => {
    fake = await startFakeWechat({ appId: 'wxmenutest', appSecret: 'dev-only-secret' });
  });

  afterAll(async () => {
    await fake.close();
    await dropPrefix(prefix);
  });

  const configFile = (menu: unknown) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    const wechat = { appId: 'wxmenutest', appSecret: 'dev-only-secret', token: 'devToken', apiRoot: fake.apiRoot, menu };
    writeFileSync(file, JSON.stringify({ redisUrl: redisUrl(), prefix, bots: { taxi: { platforms: { wechat } } } }));
    return file;
  };

  test('publishes the configured menu to WeChat', async () => {
    const { code, stdout, stderr } = await runKiosk(['menu', 'publish'], { KIOSK_CONFIG: configFile(MENU) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('taxi: menu published (2 top-level buttons).');
    expect(fake.menu).toEqual(MENU);
  });

  test('a menu beyond WeChat’s limits fails naming the field, and nothing is published', async () => {
    fake.reset();
    const four = { button: [1, 2, 3, 4].map((n) => ({ type: 'click', name: `B${n}`, key: `k${n}` })) };
    const { code, stdout, stderr } = await runKiosk(['menu', 'publish'], { KIOSK_CONFIG: configFile(four) });
    expect(code).not.toBe(0);
    expect(stdout + stderr).toMatch(/menu/);
    expect(stdout + stderr).toMatch(/button/);
    expect(fake.menu).toBeUndefined();
  });
});

describe('kiosk queues on failed jobs', () => {
  const prefix = uniquePrefix();
  const env = {
    REDIS_URL: redisUrl(),
    KIOSK_PREFIX: prefix,
    KIOSK__bots__taxi__platforms__telegram__token: '123456:dev-only-token',
    KIOSK__bots__taxi__platforms__telegram__secretToken: TELEGRAM_SECRET,
  };
  const queueName = 'job-taxi.dispatch';
  let queue: Queue;
  const connections = [connect(), connect()];

  beforeAll(async () => {
    const [connection, workerConnection] = connections as [ReturnType<typeof connect>, ReturnType<typeof connect>];
    queue = new Queue(queueName, { connection, prefix });
    await queue.add('taxi.dispatch', { n: 1 }, { jobId: 'broken-1' });
    await queue.add('taxi.dispatch', { n: 2 }, { jobId: 'broken-2' });
    const worker = new Worker(queueName, async () => { throw new Error('dispatch service unreachable'); }, { connection: workerConnection, prefix });
    await waitUntil(async () => (await queue.getFailedCount()) === 2, 'two failed jobs');
    await worker.close();
  });

  afterAll(async () => {
    await queue.close();
    await dropPrefix(prefix);
    for (const connection of connections) connection.disconnect();
  });

  test('failed lists them with their reasons; retry moves one back; remove --failed removes the rest', async () => {
    const listed = await runKiosk(['queues', 'failed', queueName], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`2 failed jobs in ${queueName}`);
    expect(listed.stdout).toMatch(/broken-1 .*dispatch service unreachable/);

    const retried = await runKiosk(['queues', 'retry', queueName, 'broken-1'], env);
    expect(retried.code).toBe(0);
    expect(await (await queue.getJob('broken-1'))!.getState()).toBe('waiting');

    const removed = await runKiosk(['queues', 'remove', queueName, '--failed'], env);
    expect(removed.code).toBe(0);
    expect(await queue.getFailedCount()).toBe(0);
    expect(await queue.getJob('broken-2')).toBeUndefined();
  });

  test('an unknown queue says how to find the right name', async () => {
    const { code, stderr } = await runKiosk(['queues', 'failed', 'no-such-queue'], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/kiosk queues/);
  });
});
