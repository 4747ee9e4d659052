/**
 * Flow state in Redis: versioned writes refuse a stale writer, leases serialise two
 * processes, and two answers of one customer handled at the same moment by two processes
 * advance the flow once each, never the same step twice.
 */
import { RedisFlowStore, type FlowState } from '../../framework/index';
import { cleanPrefix, connect, uniquePrefix } from '../helpers/redis';
import { harness } from '../flow/harness';
import { createSeatsBot } from '../flow/seats-flow';

const state = (version: number, step = 'count'): FlowState => ({ version, status: 'active', flow: 'seats', run: 'r1', step, history: [], data: {}, updatedAt: Date.now() });

describe('RedisFlowStore', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  const other = connect();
  const store = new RedisFlowStore(redis, { prefix });
  const otherStore = new RedisFlowStore(other, { prefix });

  afterAll(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    other.disconnect();
  });

  test('a write names the version it read: a stale writer is refused', async () => {
    expect(await store.writeFlow('k1', state(1), 0, 60)).toBe(true);
    expect(await store.writeFlow('k1', state(2, 'section'), 1, 60)).toBe(true);
    expect(await otherStore.writeFlow('k1', state(2, 'name'), 1, 60)).toBe(false);
    expect(await otherStore.readFlow('k1')).toMatchObject({ version: 2, step: 'section' });
    const ttl = await redis.ttl(`${prefix}:session:flow:k1`);
    expect(ttl).toBeGreaterThan(50);
  });

  test('a damaged value reads as no flow and may be overwritten as version 0', async () => {
    await redis.set(`${prefix}:session:flow:k2`, '{not json');
    expect(await store.readFlow('k2')).toBeUndefined();
    expect(await store.writeFlow('k2', state(1), 0, 60)).toBe(true);
    await redis.set(`${prefix}:session:flow:k3`, JSON.stringify({ version: 4, status: 'weird' }));
    expect(await store.readFlow('k3')).toBeUndefined();
  });

  test('a lease is held by one process at a time and lapses when its holder dies', async () => {
    const first = await store.lockFlow('k4', 300, 0);
    expect(first).toBeDefined();
    expect(await otherStore.lockFlow('k4', 300, 50)).toBeUndefined();
    const started = Date.now();
    const second = await otherStore.lockFlow('k4', 300, 2000);
    expect(second).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    // The first holder's late release does not free the second holder's lease.
    await first!.release();
    expect(await store.lockFlow('k4', 300, 0)).toBeUndefined();
    await second!.release();
    expect(await store.lockFlow('k4', 300, 0)).toBeDefined();
  });
});

describe('two processes and one customer', () => {
  const prefix = uniquePrefix();
  const connections = [connect(), connect()];
  const stores = connections.map((c) => new RedisFlowStore(c, { prefix }));
  // Two bots on their own connections stand for two worker processes.
  const bots = stores.map((store) => createSeatsBot({ flows: { store } }));

  afterAll(async () => {
    await cleanPrefix(connections[0]!, prefix);
    for (const c of connections) c.disconnect();
  });

  test('two answers handled at the same moment advance the flow once each, one after the other', async () => {
    const h = harness();
    await bots[0]!.handleUpdate(h.text('7', '/seats'), h.services);
    await Promise.all([bots[0]!.handleUpdate(h.text('7', '2'), h.services), bots[1]!.handleUpdate(h.text('7', '3'), h.services)]);
    const stored = await stores[0]!.readFlow('seats:test:7:7');
    expect(stored).toMatchObject({ version: 3, step: 'section' });
    const count = (stored!.data as { count: number }).count;
    // The first answer set the count; the second met the next step, which wants a button.
    expect(h.replies.slice(1).sort()).toEqual([`${count} seats. Which section?`, `${count} seats. Which section?`, 'Sorry, that is not an answer I can use here.'].sort());
  });

  test('the same update handled by two processes at once is applied once', async () => {
    const h = harness();
    await bots[0]!.handleUpdate(h.text('8', '/seats'), h.services);
    const answer = h.text('8', '4');
    await Promise.all([bots[0]!.handleUpdate(answer, h.services), bots[1]!.handleUpdate(answer, h.services)]);
    expect(h.replies).toEqual(['How many seats?', '4 seats. Which section?']);
    expect(await stores[1]!.readFlow('seats:test:8:8')).toMatchObject({ version: 2, step: 'section', data: { count: 4 } });
  });
});
