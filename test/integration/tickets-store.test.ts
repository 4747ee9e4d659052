/**
 * The tickets store against a real Redis: never oversell under a rush of buyers on several
 * connections, holds that run out return their seats, an expired or released hold cannot be
 * paid, paying twice issues one ticket, refunding twice refunds once, and no refund once the
 * showing has started.
 */
import { createTicketStore, demoCatalogue, isTicketCode, type TicketEvent, type TicketStore } from '../../bots/tickets';
import { PayloadError, type Redis } from '../../framework/index';
import { cleanPrefix, connect, uniquePrefix } from '../helpers/redis';

const START = Date.parse('2030-01-01T12:00:00Z');

function catalogue(capacity: number): TicketEvent[] {
  return [
    {
      id: 'film',
      title: 'The Film',
      venue: 'Screen 1',
      price: 10,
      currency: 'EUR',
      showings: [
        { id: 'film-a', startsAt: new Date(START + 86_400_000).toISOString(), capacity },
        { id: 'film-b', startsAt: new Date(START + 2 * 86_400_000).toISOString(), capacity: 5 },
      ],
    },
  ];
}

describe('tickets store', () => {
  const prefix = uniquePrefix();
  const connections: Redis[] = [];
  let clock = START;
  let stores: TicketStore[];
  let store: TicketStore;
  const owner = { owner: 'telegram:1' };

  beforeAll(() => {
    for (let i = 0; i < 4; i++) connections.push(connect());
    stores = connections.map((redis) => createTicketStore({ redis, prefix: `${prefix}:tickets`, now: () => clock }));
    store = stores[0]!;
  });

  beforeEach(async () => {
    clock = START;
    await cleanPrefix(connections[0]!, prefix);
    await store.seed(catalogue(100));
  });

  afterAll(async () => {
    await cleanPrefix(connections[0]!, prefix);
    for (const redis of connections) redis.disconnect();
  });

  test('1000 concurrent holds of one seat on 4 connections against 100 seats: exactly 100 succeed', async () => {
    const attempts = Array.from({ length: 1000 }, (_, i) => stores[i % stores.length]!.hold('film-a', 1, { owner: `web:${i}`, holdMs: 60_000 }));
    const results = await Promise.all(attempts);
    const held = results.filter((r) => r.ok);
    expect(held).toHaveLength(100);
    expect(results.filter((r) => !r.ok && r.reason === 'not-enough')).toHaveLength(900);
    expect(await store.stock('film-a')).toMatchObject({ capacity: 100, held: 100, sold: 0, available: 0 });

    // Paying them all, concurrently, sells exactly the hundred.
    const paid = await Promise.all(held.map((r, i) => (r.ok ? stores[i % stores.length]!.pay(r.hold.id, { owner: '' }) : undefined)));
    expect(paid.filter((p) => p?.ok)).toHaveLength(100);
    expect(new Set(paid.map((p) => (p?.ok ? p.ticket.code : ''))).size).toBe(100);
    expect(await store.stock('film-a')).toMatchObject({ held: 0, sold: 100, available: 0 });
  });

  test('holds of several seats never take more than what is left', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.hold('film-a', 3, { owner: `web:${i}`, holdMs: 60_000 })));
    const seats = results.reduce((sum, r) => sum + (r.ok ? r.hold.seats : 0), 0);
    expect(seats).toBe(99);
    const last = await store.hold('film-a', 3, { ...owner, holdMs: 60_000 });
    expect(last).toEqual({ ok: false, reason: 'not-enough', available: 1 });
  });

  test('a hold that runs out returns its seats, and cannot be paid', async () => {
    const held = await store.hold('film-b', 5, { ...owner, holdMs: 60_000 });
    if (!held.ok) throw new Error('expected a hold');
    expect(await store.hold('film-b', 1, { ...owner, holdMs: 60_000 })).toMatchObject({ ok: false, reason: 'not-enough', available: 0 });
    expect(await store.expire(held.hold.id)).toEqual({ ok: false, reason: 'not-due', msLeft: 60_000 });

    clock += 60_000;
    expect(await store.stock('film-b')).toMatchObject({ held: 0, available: 5 });
    expect(await store.pay(held.hold.id, owner)).toEqual({ ok: false, reason: 'expired' });
    expect(await store.expire(held.hold.id)).toMatchObject({ ok: false, reason: 'gone' });
    expect(await store.stock('film-b')).toMatchObject({ held: 0, sold: 0, available: 5 });
  });

  test('a hold past its time cannot be paid even when the expiry job races the payment, and its seats return once', async () => {
    const held = await store.hold('film-b', 2, { ...owner, holdMs: 1000 });
    if (!held.ok) throw new Error('expected a hold');
    clock += 1000;
    const [expired, paid] = await Promise.all([store.expire(held.hold.id), stores[1]!.pay(held.hold.id, owner)]);
    expect(paid).toEqual({ ok: false, reason: 'expired' });
    expect(expired.ok ? expired.seats : 0).toBeLessThanOrEqual(2);
    expect(await store.stock('film-b')).toMatchObject({ held: 0, sold: 0, available: 5 });
  });

  test('paying twice issues one ticket, with a 10-character code', async () => {
    const held = await store.hold('film-a', 2, { ...owner, holdMs: 60_000 });
    if (!held.ok) throw new Error('expected a hold');
    const [first, second] = await Promise.all([store.pay(held.hold.id, owner), stores[2]!.pay(held.hold.id, owner)]);
    if (!first.ok || !second.ok) throw new Error('expected both presses to answer with the ticket');
    expect(first.ticket.code).toBe(second.ticket.code);
    expect([first.repeated, second.repeated].sort()).toEqual([false, true]);
    expect(isTicketCode(first.ticket.code)).toBe(true);
    expect(first.ticket).toMatchObject({ seats: 2, price: 10, currency: 'EUR', status: 'valid' });
    expect(await store.stock('film-a')).toMatchObject({ held: 0, sold: 2, available: 98 });
    expect((await store.ticketsOf(owner.owner)).map((t) => t.code)).toEqual([first.ticket.code]);
  });

  test('only its owner may pay, release or refund a hold or ticket', async () => {
    const held = await store.hold('film-a', 1, { ...owner, holdMs: 60_000 });
    if (!held.ok) throw new Error('expected a hold');
    expect(await store.pay(held.hold.id, { owner: 'telegram:2' })).toEqual({ ok: false, reason: 'not-yours' });
    expect(await store.release(held.hold.id, { owner: 'telegram:2' })).toEqual({ ok: false, reason: 'not-yours' });
    const paid = await store.pay(held.hold.id, owner);
    if (!paid.ok) throw new Error('expected a ticket');
    expect(await store.refund(paid.ticket.code, { owner: 'telegram:2' })).toEqual({ ok: false, reason: 'not-yours' });
  });

  test('a released hold returns its seats at once and cannot be paid', async () => {
    const held = await store.hold('film-b', 4, { ...owner, holdMs: 60_000 });
    if (!held.ok) throw new Error('expected a hold');
    expect(await store.release(held.hold.id, owner)).toEqual({ ok: true, seats: 4 });
    expect(await store.release(held.hold.id, owner)).toEqual({ ok: false, reason: 'gone', status: 'released' });
    expect(await store.pay(held.hold.id, owner)).toEqual({ ok: false, reason: 'released' });
    expect(await store.stock('film-b')).toMatchObject({ held: 0, sold: 0, available: 5 });
  });

  test('a refund before the showing returns the seats, once, however many times it is asked', async () => {
    const held = await store.hold('film-b', 3, { ...owner, holdMs: 60_000 });
    const paid = held.ok ? await store.pay(held.hold.id, owner) : undefined;
    if (!paid?.ok) throw new Error('expected a ticket');
    const refunds = await Promise.all(stores.map((s) => s.refund(paid.ticket.code.toLowerCase(), owner)));
    expect(refunds.filter((r) => r.ok)).toEqual([{ ok: true, seats: 3 }]);
    expect(refunds.filter((r) => !r.ok)).toEqual(Array(3).fill({ ok: false, reason: 'already-refunded' }));
    expect(await store.stock('film-b')).toMatchObject({ held: 0, sold: 0, available: 5 });
    expect(await store.ticket(paid.ticket.code)).toMatchObject({ status: 'refunded' });
  });

  test('no refund once the showing has started, and no holds either', async () => {
    const held = await store.hold('film-b', 1, { ...owner, holdMs: 60_000 });
    const paid = held.ok ? await store.pay(held.hold.id, owner) : undefined;
    if (!paid?.ok) throw new Error('expected a ticket');
    clock = START + 2 * 86_400_000;
    expect(await store.refund(paid.ticket.code, owner)).toEqual({ ok: false, reason: 'too-late' });
    expect(await store.hold('film-b', 1, { ...owner, holdMs: 60_000 })).toEqual({ ok: false, reason: 'closed' });
    expect(await store.stock('film-b')).toMatchObject({ sold: 1 });
  });

  test('a hold with a key is taken once: a handler run again finds it', async () => {
    const first = await store.hold('film-b', 2, { ...owner, holdMs: 60_000, key: 'update-7' });
    const again = await stores[3]!.hold('film-b', 2, { ...owner, holdMs: 60_000, key: 'update-7' });
    if (!first.ok || !again.ok) throw new Error('expected holds');
    expect(again.hold).toEqual(first.hold);
    expect(await store.stock('film-b')).toMatchObject({ held: 2, available: 3 });
  });

  test('seeding again keeps what is held and sold; unknown showings and codes are answered, not thrown', async () => {
    await store.hold('film-b', 2, { ...owner, holdMs: 60_000 });
    await store.seed(catalogue(100));
    expect(await store.stock('film-b')).toMatchObject({ held: 2, available: 3 });
    expect(await store.hold('nope', 1, { ...owner, holdMs: 1000 })).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.pay('nope', owner)).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.pay('film-b.AAAAAAAAAAAA', owner)).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.refund('AAAAAAAAAA', owner)).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.stock('nope')).toBeUndefined();
  });

  test('a catalogue that does not fit is refused, naming the field', async () => {
    const bad = demoCatalogue(START);
    bad[1]!.showings[0]!.id = bad[0]!.showings[0]!.id;
    await expect(store.seed(bad)).rejects.toThrow(PayloadError);
    await expect(store.seed(bad)).rejects.toThrow(/1\.showings\.0\.id: showing id "lighthouse-d1" is used twice/);
    await expect(store.hold('film-a', 0, { ...owner, holdMs: 1000 })).rejects.toThrow(/whole number of seats/);
  });
});
