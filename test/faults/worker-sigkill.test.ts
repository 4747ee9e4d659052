/**
 * A worker process killed with SIGKILL while it handles a stream of webhooks: the updates it
 * held stall and are handled by the surviving process; nothing is lost and no reply is sent
 * twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { telegram } from '../../framework/adapters/telegram/adapter';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { startFakeTelegram, type FakeTelegram } from '../../framework/testing/fake-telegram';
import { dropPrefix, telegramSettings, testConfig } from '../helpers/kiosk';
import { redisUrl, uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';
import { deliveredCounts, deliveredTwice, deliveryJobCount, echoBot, inboundCounts, postAll, textOf } from './helpers';

const UPDATES = 40;
const HOLD_MS = 400;
const PARTITIONS = 2;
// No message reached the fake for this long: the worker holds no send whose answer it has
// not recorded yet (that window, between the platform's answer and the sent marker, is
// at least once by design: see framework/delivery/delivery-worker.ts).
const QUIET_MS = 150;

describe('a worker process killed with SIGKILL under load', () => {
  const prefix = uniquePrefix();
  let fake: FakeTelegram;
  let survivor: Kiosk;
  let child: ChildProcess | undefined;
  const handledHere: string[] = [];

  beforeAll(async () => {
    fake = await startFakeTelegram();
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await survivor?.close();
    await fake.close();
    await dropPrefix(prefix);
  });

  test('the updates it held are handled elsewhere: acknowledged = handled = delivered, none twice', async () => {
    const config = testConfig(prefix, { echo: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: PARTITIONS });
    survivor = createKiosk({
      config,
      bots: [echoBot(handledHere, HOLD_MS)],
      adapters: [telegram],
      logger: createLogger({ level: 'silent' }),
      inbound: { lockDuration: 1500, stalledInterval: 1000 },
      delivery: { lockDuration: 1500 },
    });
    const base = await survivor.listen(0);

    // The child is node itself with tsx as a loader, so SIGKILL reaches the process that works.
    const worker = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'echo-worker-process.ts')], {
      env: { ...process.env, KIOSK_TEST_CONFIG: JSON.stringify(config), KIOSK_TEST_HOLD_MS: String(HOLD_MS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = worker;
    const handlingInChild: string[] = [];
    let ready = false;
    worker.stdout!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (line === 'ready') ready = true;
        if (line.startsWith('handling ')) handlingInChild.push(line.slice('handling '.length));
      }
    });
    await waitUntil(() => ready, 'the worker process to start', 15_000);

    const posting = postAll(base, UPDATES, 8);
    // Kill the child in the middle of its handlers: after some replies went out, while a
    // handler holds an update (HOLD_MS) it has not replied to, and no send is in flight.
    await waitUntil(() => fake.sent.length >= 4, 'the first replies from the worker process', 15_000);
    await waitUntil(
      () => {
        const last = fake.sent[fake.sent.length - 1]!.at;
        return Date.now() - last >= QUIET_MS && handlingInChild.length > fake.sent.length;
      },
      'a quiet moment with a handler mid-way in the worker process',
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
    const sentBeforeKill = fake.sent.length;
    expect(sentBeforeKill).toBeLessThan(UPDATES);

    await survivor.startWorkers();
    const { acknowledged } = await posting;
    expect(acknowledged.size).toBe(UPDATES);
    await waitUntil(() => deliveredCounts(fake).size === UPDATES, 'every reply', 25_000);
    await sleep(500);

    // Some of the child's updates were re-run here after it died: handled twice as code, once as an effect.
    const stalledHere = handledHere.filter((text) => handlingInChild.includes(text));
    expect(stalledHere.length).toBeGreaterThan(0);
    const counts = await inboundCounts(redisUrl(), prefix, PARTITIONS);
    expect(counts).toEqual({ completed: UPDATES, failed: 0, waiting: 0, active: 0 });
    // Each reply was queued once, although some handlers ran twice.
    expect(await deliveryJobCount(redisUrl(), prefix, 'telegram', 'echo')).toBe(UPDATES);
    expect(deliveredTwice(fake)).toEqual([]);
    expect(fake.sent).toHaveLength(UPDATES);
    expect(new Set(fake.sent.map((m) => m.text))).toEqual(new Set(Array.from({ length: UPDATES }, (_, i) => `echo ${textOf(i)}`)));
  }, 30_000);
});
