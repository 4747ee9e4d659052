/**
 * Where the tickets bot keeps its business: the catalogue, seat holds and tickets, in Redis
 * under a prefix of its own.
 *
 * Why Lua scripts. Selling the last seats is a race: a thousand customers may press "hold" in
 * the same second, on several worker processes. Reading the free seats and then writing a
 * hold in two commands lets two buyers both see "1 left" and both take it. The usual fixes are
 * optimistic transactions (WATCH/MULTI/EXEC: retry when the stock changed, which under a
 * rush of buyers means most attempts retry, again and again), a lock around the showing
 * (a round trip more per purchase, and a dead holder blocks sales until its lease ends), or a
 * script. A Lua script runs atomically in Redis, so "available = capacity − held − sold;
 * refuse or reserve" is one step whatever the number of clients and connections: no retries,
 * no locks, one round trip. Every change of stock (hold, pay, release, expire, refund) is a
 * script for the same reason, and each checks the state it moves from, so a double pay, a
 * double refund or an expiry racing a payment cannot count seats twice.
 *
 * Holds expire twice over. The bot enqueues a delayed job that releases a hold when its time
 * is up (cancelled when it is paid); and each hold and stock read first returns the seats of
 * holds whose time is up, so a stopped or late worker never leaves seats unsellable. Paying
 * checks the hold's expiry itself: a hold past its time cannot be paid even if no one has
 * released it yet. Times come from this process's clock (`now`), so keep clocks in sync (NTP).
 *
 * Keys of a showing share a hash tag, so the store works on a Redis Cluster; see `scripts.ts`.
 */
import { PayloadError, type Redis } from '../../framework/index';
import { catalogueSchema, type Showing, type TicketEvent } from './catalogue';
import { digestCode, randomCode, TICKET_CODE_LENGTH } from './codes';
import { HOLD, PAY, REFUND, RELEASE_HOLD, STOCK, Script } from './scripts';

const scripts = { hold: new Script(HOLD), pay: new Script(PAY), release: new Script(RELEASE_HOLD), refund: new Script(REFUND), stock: new Script(STOCK) };

/** How many expired holds one command returns to stock at most; the rest go with the next. */
const SWEEP_LIMIT = 100;
/** How long a hold's record outlives its expiry, so a late "Pay" press is answered "expired" and a repeated one finds the ticket. */
const HOLD_RECORD_TTL_MS = 86_400_000;
const HOLD_ID = /^([a-z0-9-]{1,24})\.([0-9A-Z]{12})$/;

/** Options of `createTicketStore`. */
export interface TicketStoreOptions {
  /** The Redis client; the store does not close it. */
  redis: Redis;
  /** The prefix of every key of the store. @defaultValue `'tickets'` */
  prefix?: string;
  /** The clock, ms since the epoch (tests move it). @defaultValue `Date.now` */
  now?: () => number;
}

/** Seats of a showing: on sale, held, sold, and free now. */
export interface Stock {
  capacity: number;
  held: number;
  sold: number;
  available: number;
  /** When the showing starts, ms since the epoch. */
  startsAt: number;
}

/** Seats set aside for one customer until `expiresAt`, waiting for payment. */
export interface Hold {
  /** `<showing>.<random>`: names the showing, so a button can carry it alone. */
  id: string;
  showingId: string;
  seats: number;
  /** ms since the epoch. */
  expiresAt: number;
}

/** A paid ticket. */
export interface Ticket {
  /** Random and unguessable: shown to the customer and checked at the gate. */
  code: string;
  showingId: string;
  seats: number;
  /** Price of one seat when it was paid, major units. */
  price: number;
  currency: string;
  status: 'valid' | 'refunded';
}

/** What `hold` answers. */
export type HoldResult =
  | { ok: true; hold: Hold; available: number }
  | { ok: false; reason: 'not-enough'; available: number }
  | { ok: false; reason: 'closed' | 'unknown' };

/** What `pay` answers; `repeated` when the hold was already paid (a second press), with the same ticket. */
export type PayResult = { ok: true; ticket: Ticket; repeated: boolean } | { ok: false; reason: 'expired' | 'released' | 'unknown' | 'not-yours' };

/** What `release` and `expire` answer: `not-due` (expire only) says how long the hold still runs. */
export type ReleaseResult =
  | { ok: true; seats: number }
  | { ok: false; reason: 'not-due'; msLeft: number }
  | { ok: false; reason: 'gone'; status: string }
  | { ok: false; reason: 'unknown' | 'not-yours' };

/** What `refund` answers. */
export type RefundResult = { ok: true; seats: number } | { ok: false; reason: 'already-refunded' | 'too-late' | 'unknown' | 'not-yours' };

/** Options of one hold. */
export interface HoldOptions extends Actor {
  /** How long the seats are held, ms. */
  holdMs: number;
  /**
   * Makes the hold idempotent: holds with the same key (say, the update that asked for them)
   * are one hold, so a handler run again after a crash does not hold the seats twice.
   * @defaultValue none: every call holds anew
   */
  key?: string;
}

/** Who acts: the customer's key (only they may pay, release or refund theirs), or `''` for staff and jobs. */
export interface Actor {
  owner: string;
}

/**
 * The tickets store: catalogue, holds and tickets, never overselling.
 *
 * @example
 * ```ts
 * const store = createTicketStore({ redis: new Redis(process.env.REDIS_URL!), prefix: 'shop:tickets' });
 * await store.seed(demoCatalogue());
 * const held = await store.hold('lighthouse-d1', 2, { owner: 'web:42', holdMs: 5 * 60_000 });
 * if (held.ok) await store.pay(held.hold.id, { owner: 'web:42' });
 * ```
 */
export class TicketStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;
  #catalogue: { raw: string; events: TicketEvent[] } | undefined;

  constructor(options: TicketStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? 'tickets';
    this.#now = options.now ?? Date.now;
  }

  /** The store's clock, ms since the epoch: what holds, payments and refunds are judged by. */
  now(): number {
    return this.#now();
  }

  #showingKeys(showingId: string) {
    const base = `${this.#prefix}:{${showingId}}`;
    return { stock: `${base}:stock`, holds: `${base}:holds`, holdseats: `${base}:holdseats`, hold: (id: string) => `${base}:hold:${id}`, ticket: (code: string) => `${base}:ticket:${code}` };
  }

  /**
   * Put a catalogue on sale, or update it. Seats already held or sold are kept: seeding again
   * (every start of the demo) changes titles, prices and capacities, never the counts.
   * Refuses a catalogue that does not fit with a `PayloadError` naming the field.
   */
  async seed(events: readonly TicketEvent[]): Promise<void> {
    const parsed = catalogueSchema.safeParse(events);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PayloadError(`The tickets catalogue is invalid at ${issue.path.join('.') || 'its root'}: ${issue.message}.`, issue.path.map(String));
    }
    const batch = this.#redis.multi();
    batch.set(`${this.#prefix}:catalogue`, JSON.stringify(parsed.data));
    for (const event of parsed.data) {
      for (const showing of event.showings) {
        batch.hset(this.#showingKeys(showing.id).stock, 'capacity', showing.capacity, 'startsAt', Date.parse(showing.startsAt), 'event', event.id);
      }
    }
    await batch.exec();
  }

  /** The events on sale (an empty list before `seed`). */
  async events(): Promise<TicketEvent[]> {
    const raw = await this.#redis.get(`${this.#prefix}:catalogue`);
    if (raw === null) return [];
    if (this.#catalogue?.raw !== raw) this.#catalogue = { raw, events: catalogueSchema.parse(JSON.parse(raw)) };
    return this.#catalogue.events;
  }

  /** An event by id. */
  async event(eventId: string): Promise<TicketEvent | undefined> {
    return (await this.events()).find((event) => event.id === eventId);
  }

  /** A showing and its event, by the showing's id. */
  async showing(showingId: string): Promise<{ event: TicketEvent; showing: Showing } | undefined> {
    for (const event of await this.events()) {
      const showing = event.showings.find((s) => s.id === showingId);
      if (showing) return { event, showing };
    }
    return undefined;
  }

  /** The seats of a showing now (expired holds returned first), or `undefined` for an unknown showing. */
  async stock(showingId: string): Promise<Stock | undefined> {
    const k = this.#showingKeys(showingId);
    const reply = (await scripts.stock.run(this.#redis, [k.stock, k.holds, k.holdseats], [this.#now(), SWEEP_LIMIT])) as number[];
    if (reply.length === 0) return undefined;
    const [capacity = 0, held = 0, sold = 0, startsAt = 0] = reply;
    return { capacity, held, sold, startsAt, available: Math.max(0, capacity - held - sold) };
  }

  /**
   * Hold `seats` seats of a showing for `holdMs`, if that many are free, in one atomic step.
   * Refused when too few are free (`not-enough`, with how many are), the showing has started
   * (`closed`) or does not exist (`unknown`).
   */
  async hold(showingId: string, seats: number, options: HoldOptions): Promise<HoldResult> {
    if (!Number.isInteger(seats) || seats < 1) throw new PayloadError(`Hold a whole number of seats, 1 or more; got ${seats}.`, ['seats']);
    if (!(options.holdMs > 0)) throw new PayloadError(`holdMs must be a positive number of milliseconds; got ${options.holdMs}.`, ['holdMs']);
    const k = this.#showingKeys(showingId);
    const id = `${showingId}.${options.key === undefined ? randomCode(12) : digestCode(options.key)}`;
    const now = this.#now();
    const expiresAt = now + options.holdMs;
    const [status, available, priorExpiry] = (await scripts.hold.run(
      this.#redis,
      [k.stock, k.holds, k.holdseats, k.hold(id)],
      [now, seats, expiresAt, options.owner, id, SWEEP_LIMIT, options.holdMs + HOLD_RECORD_TTL_MS],
    )) as [string, number?, number?];
    if (status === 'held') return { ok: true, hold: { id, showingId, seats, expiresAt }, available: available ?? 0 };
    if (status === 'again') return { ok: true, hold: { id, showingId, seats: available ?? seats, expiresAt: Number(priorExpiry) }, available: 0 };
    if (status === 'not-enough') return { ok: false, reason: 'not-enough', available: Math.max(0, available ?? 0) };
    return { ok: false, reason: status === 'closed' ? 'closed' : 'unknown' };
  }

  /**
   * Pay a hold: its seats become sold and a ticket with a fresh code is issued. A hold past its
   * time, or released, cannot be paid. Paying a paid hold again gives the same ticket
   * (`repeated: true`), so a retried press never charges or issues twice.
   */
  async pay(holdId: string, actor: Actor): Promise<PayResult> {
    const showingId = showingOfHold(holdId);
    const found = showingId && (await this.showing(showingId));
    if (!found) return { ok: false, reason: 'unknown' };
    const k = this.#showingKeys(found.showing.id);
    const code = randomCode(TICKET_CODE_LENGTH);
    // The code's index is written first, so every ticket can be found by its code; a
    // collision (about 1 in 10¹⁵ per pair) simply draws again.
    if ((await this.#redis.set(this.#codeKey(code), found.showing.id, 'NX')) === null) return this.pay(holdId, actor);
    const reply = (await scripts.pay.run(
      this.#redis,
      [k.stock, k.holds, k.holdseats, k.hold(holdId), k.ticket(code)],
      [this.#now(), actor.owner, code, found.event.price, found.event.currency, holdId],
    )) as [string, string?, number?];
    const [status, issued = '', seats = 0] = reply;
    if (status !== 'paid') await this.#redis.del(this.#codeKey(code));
    if (status === 'paid' || status === 'already-paid') {
      // Also on a repeat: a run that died before this line left the ticket off the customer's list.
      if (actor.owner) await this.#redis.sadd(this.#ownerKey(actor.owner), issued);
      const ticket: Ticket = { code: issued, showingId: found.showing.id, seats, price: found.event.price, currency: found.event.currency, status: 'valid' };
      return { ok: true, ticket, repeated: status === 'already-paid' };
    }
    return { ok: false, reason: status as 'expired' | 'released' | 'unknown' | 'not-yours' };
  }

  /** The customer gives a hold up before paying: its seats return to stock at once. */
  async release(holdId: string, actor: Actor): Promise<ReleaseResult> {
    return this.#release(holdId, 'release', actor.owner);
  }

  /**
   * Return a hold's seats once its time is up (what the expiry job calls). Before then it
   * answers `not-due` with the time left; a paid or released hold is `gone`.
   */
  async expire(holdId: string): Promise<ReleaseResult> {
    return this.#release(holdId, 'expire', '');
  }

  async #release(holdId: string, mode: 'expire' | 'release', owner: string): Promise<ReleaseResult> {
    const showingId = showingOfHold(holdId);
    if (!showingId) return { ok: false, reason: 'unknown' };
    const k = this.#showingKeys(showingId);
    const [status, value] = (await scripts.release.run(this.#redis, [k.stock, k.holds, k.holdseats, k.hold(holdId)], [this.#now(), mode, owner, holdId])) as [string, (number | string)?];
    if (status === 'released') return { ok: true, seats: Number(value) };
    if (status === 'not-due') return { ok: false, reason: 'not-due', msLeft: Number(value) };
    if (status === 'gone') return { ok: false, reason: 'gone', status: String(value) };
    return { ok: false, reason: status === 'not-yours' ? 'not-yours' : 'unknown' };
  }

  /** Refund a ticket before its showing starts: its seats return to stock. Once only. */
  async refund(code: string, actor: Actor): Promise<RefundResult> {
    const normal = code.toUpperCase();
    const showingId = await this.#redis.get(this.#codeKey(normal));
    if (showingId === null) return { ok: false, reason: 'unknown' };
    const k = this.#showingKeys(showingId);
    const [status, seats] = (await scripts.refund.run(this.#redis, [k.stock, k.ticket(normal)], [this.#now(), actor.owner])) as [string, number?];
    if (status === 'refunded') return { ok: true, seats: seats ?? 0 };
    return { ok: false, reason: status as 'already-refunded' | 'too-late' | 'unknown' | 'not-yours' };
  }

  /** A ticket by its code (any case), or `undefined`. */
  async ticket(code: string): Promise<Ticket | undefined> {
    const normal = code.toUpperCase();
    const showingId = await this.#redis.get(this.#codeKey(normal));
    if (showingId === null) return undefined;
    const t = await this.#redis.hgetall(this.#showingKeys(showingId).ticket(normal));
    if (!t.status) return undefined;
    return { code: normal, showingId, seats: Number(t.seats), price: Number(t.price), currency: t.currency ?? '', status: t.status === 'refunded' ? 'refunded' : 'valid' };
  }

  /** A customer's tickets, valid and refunded. */
  async ticketsOf(owner: string): Promise<Ticket[]> {
    const codes = await this.#redis.smembers(this.#ownerKey(owner));
    const tickets = await Promise.all(codes.sort().map((code) => this.ticket(code)));
    return tickets.filter((t): t is Ticket => t !== undefined);
  }

  #codeKey(code: string): string {
    return `${this.#prefix}:code:${code}`;
  }

  #ownerKey(owner: string): string {
    return `${this.#prefix}:owner:${owner}`;
  }
}

/** The showing a hold id names, or `undefined` when it is not a hold id. */
export function showingOfHold(holdId: string): string | undefined {
  return HOLD_ID.exec(holdId)?.[1];
}

/**
 * Create a ticket store on a Redis client.
 *
 * @example
 * ```ts
 * const store = createTicketStore({ redis, prefix: `${config.prefix}:tickets` });
 * ```
 */
export function createTicketStore(options: TicketStoreOptions): TicketStore {
  return new TicketStore(options);
}
