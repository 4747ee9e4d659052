/**
 * The utility's records in Redis: customer accounts, which conversations are linked to
 * which account, bills and payments. A business would keep accounts in its billing system;
 * here a few are seeded so the bot can be tried.
 */
import { randomUUID } from 'node:crypto';
import { safeEqual, type Conversation, type Redis } from '../../framework/index';
import { dayStartMs, type BillingPeriod } from './billing';
import { ABANDON_PAYMENT, ATTACH_PAYMENT, CLAIM_REMINDER, ISSUE_BILL, SETTLE_PAYMENT, START_PAYMENT } from './store-scripts';

/** A customer account in the business's records. */
export interface Account {
  /** The account number printed on paper bills, e.g. `ACC-1001`. */
  number: string;
  /** The account holder's name. */
  name: string;
  /** The supply address's postcode: the second factor that proves the customer owns the account. */
  postcode: string;
  /** ISO 4217 currency of the account's bills. */
  currency: string;
}

/** Where a bill stands. */
export type BillState = 'unpaid' | 'pending' | 'paid';

/** One bill. Amounts are in minor units (cents), never floats. */
export interface Bill extends BillingPeriod {
  /** `<account>-<period>`, e.g. `ACC-1001-2026-10`. */
  id: string;
  account: string;
  /** Amount due in minor units. */
  amount: number;
  currency: string;
  state: BillState;
  /** The reference of the payment that holds or paid the bill. */
  payment?: string;
  /** When it was paid, ms since the epoch. */
  paidAt?: number;
  /** The day a reminder was sent for it, `YYYY-MM-DD`. */
  remindedOn?: string;
}

/** A conversation linked to an account. */
export interface Link {
  account: string;
  conversation: Conversation;
}

/** A payment as the store keeps it: our reference, and the provider's id once known. */
export interface PaymentRecord {
  reference: string;
  bill: string;
  state: 'pending' | 'paid' | 'refund' | 'failed' | 'abandoned';
  /** The conversation the customer paid from: the receipt goes there. */
  conversation: Conversation;
  paymentId?: string;
  payUrl?: string;
  /** Whether the customer's receipt (or failure notice) has been queued. */
  receiptQueued: boolean;
}

/** What `startPayment` found. */
export type PaymentStart =
  | { kind: 'reserved'; reference: string; expiresAt: number }
  | { kind: 'pending'; reference: string; payUrl?: string }
  | { kind: 'paid' }
  | { kind: 'missing' };

/** What a provider's callback did. See `SETTLE_PAYMENT` in `store-scripts.ts` for each outcome. */
export type SettleOutcome = 'paid' | 'already-paid' | 'refund' | 'failed' | 'settled' | 'mismatch' | 'missing';

/** Options of the store. */
export interface BillsStoreOptions {
  /**
   * Prefix of every key, apart from Kiosk's. On a Redis Cluster give it a hash tag
   * (`'{bills}'`) so the atomic scripts find their keys in one slot. @defaultValue `'bills'`
   */
  prefix?: string;
  /**
   * How long a started payment holds its bill, ms. Within it a second payment is refused;
   * after it the customer may start again (the provider is told the same expiry). @defaultValue 900000 (15 minutes)
   */
  pendingMs?: number;
}

/** The accounts the demo and tests seed. Fake people, fake postcodes. */
export const SAMPLE_ACCOUNTS: readonly Account[] = [
  { number: 'ACC-1001', name: 'Ada Lovelace', postcode: 'SW1A 1AA', currency: 'EUR' },
  { number: 'ACC-1002', name: 'Li Wei', postcode: '200000', currency: 'EUR' },
  { number: 'ACC-1003', name: 'Marie Curie', postcode: '75005', currency: 'EUR' },
];

/** A postcode as compared: upper case, without spaces or dashes. */
export function normalizePostcode(postcode: string): string {
  return postcode.toUpperCase().replace(/[\s-]+/g, '');
}

const conversationKey = (c: Conversation) => `${c.bot}:${c.platform}:${c.chat}`;

function parseJson<T>(text: string | null | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * The bills records and their atomic state changes.
 *
 * **Why Lua scripts, not WATCH/MULTI.** Paying twice for one bill must be impossible even
 * when two taps (or two processes, or two provider callbacks) arrive together. Each state
 * change (`unpaid → pending → paid`) is one Lua script (`store-scripts.ts`) that reads the
 * bill's state and writes the new one with nothing in between, so exactly one caller wins and
 * the others are told why they lost. WATCH/MULTI would give the same guarantee optimistically,
 * but it needs a retry loop under contention and a connection of its own per transaction:
 * ioredis multiplexes one connection for every caller, so a WATCH issued by one handler would
 * be cancelled or confused by another's commands on the same client. A script needs neither,
 * runs in one round trip, and its outcome is a plain value the caller branches on.
 *
 * A payment is reserved **before** the provider is asked to create it, so two concurrent
 * presses create one payment at the provider, not two. A reservation lapses after
 * `pendingMs` (an abandoned checkout must not block the bill forever); if the lapsed payment
 * is paid after all and another one too, the second to arrive is settled as `refund`, never
 * applied to the bill twice.
 *
 * @example
 * ```ts
 * const store = new BillsStore(new Redis(redisUrl), { prefix: 'acme-bills' });
 * await store.seedAccounts(SAMPLE_ACCOUNTS);
 * const start = await store.startPayment('ACC-1001-2026-10', ctx.conversation);
 * if (start.kind === 'reserved') await provider.createPayment(bill, { reference: start.reference, expiresAt: new Date(start.expiresAt) });
 * ```
 */
export class BillsStore {
  /** The key prefix. */
  readonly prefix: string;
  readonly #redis: Redis;
  readonly #pendingMs: number;

  constructor(redis: Redis, options: BillsStoreOptions = {}) {
    this.#redis = redis;
    this.prefix = options.prefix ?? 'bills';
    this.#pendingMs = options.pendingMs ?? 15 * 60_000;
  }

  #key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** Add (or refresh) accounts in the records. */
  async seedAccounts(accounts: readonly Account[]): Promise<void> {
    const multi = this.#redis.multi();
    for (const a of accounts) multi.hset(this.#key('account', a.number), { name: a.name, postcode: a.postcode, currency: a.currency });
    await multi.exec();
  }

  /** An account by number, or `undefined`. */
  async account(number: string): Promise<Account | undefined> {
    const fields = await this.#redis.hgetall(this.#key('account', number));
    if (!fields.name || !fields.postcode) return undefined;
    return { number, name: fields.name, postcode: fields.postcode, currency: fields.currency ?? 'EUR' };
  }

  /** Whether `postcode` is the account's, ignoring case, spaces and dashes (compared in constant time). */
  async checkPostcode(number: string, postcode: string): Promise<boolean> {
    const account = await this.account(number);
    return account !== undefined && safeEqual(normalizePostcode(postcode), normalizePostcode(account.postcode));
  }

  /** Link a conversation to an account (replacing any earlier link of that conversation). */
  async link(conversation: Conversation, account: string): Promise<void> {
    const key = conversationKey(conversation);
    const previous = await this.linkOf(conversation);
    const multi = this.#redis.multi();
    if (previous && previous.account !== account) multi.srem(this.#key('account-links', previous.account), key);
    multi.hset(this.#key('links'), key, JSON.stringify({ account, conversation } satisfies Link));
    multi.sadd(this.#key('account-links', account), key);
    await multi.exec();
  }

  /** The account a conversation is linked to, or `undefined`. */
  async linkOf(conversation: Conversation): Promise<Link | undefined> {
    return parseJson<Link>(await this.#redis.hget(this.#key('links'), conversationKey(conversation)));
  }

  /** Every link, read in batches (HSCAN), so a million customers do not fill memory. */
  async *links(batch = 500): AsyncGenerator<Link> {
    let cursor = '0';
    do {
      const [next, entries] = await this.#redis.hscan(this.#key('links'), cursor, 'COUNT', batch);
      cursor = next;
      for (let i = 1; i < entries.length; i += 2) {
        const link = parseJson<Link>(entries[i]);
        if (link) yield link;
      }
    } while (cursor !== '0');
  }

  /** The conversations linked to an account. */
  async linksOfAccount(account: string): Promise<Link[]> {
    const keys = await this.#redis.smembers(this.#key('account-links', account));
    if (keys.length === 0) return [];
    const values = await this.#redis.hmget(this.#key('links'), ...keys);
    return values.map((v) => parseJson<Link>(v)).filter((l): l is Link => l !== undefined && l.account === account);
  }

  /** Issue an account's bill for a period unless it exists; resolves to the bill and whether it is new. */
  async issueBill(account: Account, period: BillingPeriod, amount: number): Promise<{ bill: Bill; created: boolean }> {
    const id = `${account.number}-${period.period}`;
    const fields = { id, account: account.number, amount: String(amount), currency: account.currency, ...period };
    const created = await this.#redis.eval(
      ISSUE_BILL,
      3,
      this.#key('bill', id),
      this.#key('current', account.number),
      this.#key('unpaid'),
      id,
      String(dayStartMs(period.dueDate)),
      ...Object.entries(fields).flat(),
    );
    const bill = await this.bill(id);
    if (!bill) throw new Error('A bill issued a moment ago could not be read back; is Redis evicting keys?');
    return { bill, created: created === 1 };
  }

  /** A bill by id, or `undefined`. */
  async bill(id: string): Promise<Bill | undefined> {
    const f = await this.#redis.hgetall(this.#key('bill', id));
    if (!f.id || !f.account || !f.state) return undefined;
    return {
      id: f.id,
      account: f.account,
      period: f.period ?? '',
      periodStart: f.periodStart ?? '',
      periodEnd: f.periodEnd ?? '',
      issuedOn: f.issuedOn ?? '',
      dueDate: f.dueDate ?? '',
      amount: Number(f.amount ?? 0),
      currency: f.currency ?? 'EUR',
      state: f.state as BillState,
      ...(f.payment ? { payment: f.payment } : {}),
      ...(f.paidAt ? { paidAt: Number(f.paidAt) } : {}),
      ...(f.remindedOn ? { remindedOn: f.remindedOn } : {}),
    };
  }

  /** An account's latest bill, or `undefined` before its first. */
  async currentBill(account: string): Promise<Bill | undefined> {
    const id = await this.#redis.get(this.#key('current', account));
    return id ? this.bill(id) : undefined;
  }

  /** Bills not yet paid whose due date is between two calendar days (`YYYY-MM-DD`, inclusive). */
  async unpaidDueBetween(fromDay: string, toDay: string): Promise<Bill[]> {
    const ids = await this.#redis.zrangebyscore(this.#key('unpaid'), dayStartMs(fromDay), dayStartMs(toDay));
    const bills = await Promise.all(ids.map((id) => this.bill(id)));
    return bills.filter((b): b is Bill => b !== undefined && b.state !== 'paid');
  }

  /**
   * Claim a bill's reminder for `day`, atomically: `true` for the first run that claims it
   * and for any other run of the same day (whose broadcast id de-duplicates), `false` once a
   * reminder went out on another day.
   */
  async claimReminder(billId: string, day: string): Promise<boolean> {
    return (await this.#redis.eval(CLAIM_REMINDER, 1, this.#key('bill', billId), day)) === 1;
  }

  /**
   * Reserve a bill for a new payment, atomically: only one caller gets `reserved`; the
   * others get `pending` (with the payment in progress) or `paid`.
   */
  async startPayment(billId: string, conversation: Conversation, now = Date.now()): Promise<PaymentStart> {
    const reference = `pay-${randomUUID()}`;
    const expiresAt = now + this.#pendingMs;
    const [kind, holder] = (await this.#redis.eval(
      START_PAYMENT,
      2,
      this.#key('bill', billId),
      this.#key('payment', reference),
      reference,
      String(now),
      String(expiresAt),
      JSON.stringify(conversation),
      billId,
    )) as [string, string?];
    if (kind === 'reserved') return { kind, reference, expiresAt };
    if (kind === 'pending' && holder) {
      const payUrl = await this.#redis.hget(this.#key('payment', holder), 'payUrl');
      return payUrl ? { kind, reference: holder, payUrl } : { kind, reference: holder };
    }
    return kind === 'paid' ? { kind } : { kind: 'missing' };
  }

  /** Record the provider's payment id and link; `false` when the reference is unknown or has another id. */
  async attachPayment(reference: string, created: { paymentId: string; payUrl: string }): Promise<boolean> {
    return (await this.#redis.eval(ATTACH_PAYMENT, 1, this.#key('payment', reference), created.paymentId, created.payUrl)) === 1;
  }

  /** Give the bill back when the provider could not create the payment. */
  async abandonPayment(reference: string): Promise<void> {
    const billId = await this.#redis.hget(this.#key('payment', reference), 'bill');
    if (!billId) return;
    await this.#redis.eval(ABANDON_PAYMENT, 2, this.#key('bill', billId), this.#key('payment', reference), reference);
  }

  /** A payment by our reference, or `undefined`. */
  async payment(reference: string): Promise<PaymentRecord | undefined> {
    const f = await this.#redis.hgetall(this.#key('payment', reference));
    const conversation = parseJson<Conversation>(f.conversation);
    if (!f.bill || !f.state || !conversation) return undefined;
    return {
      reference,
      bill: f.bill,
      state: f.state as PaymentRecord['state'],
      conversation,
      receiptQueued: f.receiptQueued === '1',
      ...(f.paymentId ? { paymentId: f.paymentId } : {}),
      ...(f.payUrl ? { payUrl: f.payUrl } : {}),
    };
  }

  /**
   * Settle a payment from the provider's callback, atomically: of two concurrent callbacks
   * for one payment, one gets `paid` and the other `already-paid`.
   */
  async settlePayment(reference: string, paymentId: string, status: 'succeeded' | 'failed', now = Date.now()): Promise<{ outcome: SettleOutcome; receiptQueued: boolean }> {
    // The bill's key is read first: a payment's bill never changes, and the script checks the payment again.
    const billId = await this.#redis.hget(this.#key('payment', reference), 'bill');
    if (!billId) return { outcome: 'missing', receiptQueued: false };
    const [outcome, queued] = (await this.#redis.eval(
      SETTLE_PAYMENT,
      3,
      this.#key('payment', reference),
      this.#key('bill', billId),
      this.#key('unpaid'),
      reference,
      paymentId,
      status,
      String(now),
      billId,
    )) as [SettleOutcome, string];
    return { outcome, receiptQueued: queued === '1' };
  }

  /** Note that the customer's receipt (or notice) for a payment has been queued. */
  async markReceiptQueued(reference: string): Promise<void> {
    await this.#redis.hset(this.#key('payment', reference), 'receiptQueued', '1');
  }
}
