/**
 * Links between a customer's accounts, in Redis. An account never linked costs nothing: its
 * customer id is derived from the account with a keyed hash (HMAC under a random salt kept
 * once per deployment), so it is stable without being stored, and cannot be turned back into
 * a phone number or a user id by anyone without the salt. Only linked accounts, live codes
 * and recent wrong attempts are stored (see `scripts.ts` for the keys).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CustomerHandle, LinkCode, LinkResult, LinkRefusal } from '../core/context';
import { StoreUnavailableError } from '../core/errors';
import { accountRef, parseAccountRef, type Account } from './account';
import { newLinkCode, normaliseLinkCode } from './link-code';
import { FORGET, ISSUE_CODE, LINK, UNLINK } from './scripts';

/** Options of the identity store. */
export interface IdentityOptions {
  /** Kiosk's key prefix, e.g. `'kiosk'`. */
  prefix: string;
  /** How long a link code works, in seconds. @defaultValue 600 */
  codeTtlSeconds?: number;
  /** Wrong codes an account may type within `attemptWindowSeconds` before it must wait. @defaultValue 5 */
  maxAttempts?: number;
  /** The window of `maxAttempts`, in seconds. @defaultValue 900 */
  attemptWindowSeconds?: number;
  /**
   * The secret that derives unlinked accounts' ids. Ids change if it changes, so set it when
   * Redis may lose data (no persistence). @defaultValue a random salt kept in Redis under `<prefix>:identity:salt:v1`
   */
  salt?: string;
}

/** A customer: their Kiosk id and every account of theirs. */
export interface CustomerIdentity {
  id: string;
  accounts: Account[];
}

const REFUSALS = new Set<LinkRefusal>(['malformed', 'invalid-or-expired', 'own-code', 'too-many-attempts']);

/**
 * The identity store of one deployment. `createKiosk` makes one and gives every handler a
 * `ctx.customer` from it; `exportCustomerData` and `eraseCustomerData` use it to find every
 * account of a customer.
 *
 * @example
 * ```ts
 * const identity = new IdentityStore(redis, { prefix: 'kiosk' });
 * const { code } = await identity.issueCode({ platform: 'telegram', user: '42' });
 * await identity.link({ platform: 'webchat', user: 'v-9f2c' }, code); // { linked: true, id: 'c-…', previousId: 'c-…' }
 * ```
 */
export class IdentityStore {
  readonly #redis: Redis;
  readonly #base: string;
  readonly #codeTtlSeconds: number;
  readonly #maxAttempts: number;
  readonly #attemptWindowSeconds: number;
  #salt: Promise<Buffer> | undefined;

  constructor(redis: Redis, options: IdentityOptions) {
    this.#redis = redis;
    if (options.salt) this.#salt = Promise.resolve(Buffer.from(options.salt, 'utf8'));
    this.#base = `${options.prefix}:identity:`;
    this.#codeTtlSeconds = options.codeTtlSeconds ?? 600;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#attemptWindowSeconds = options.attemptWindowSeconds ?? 900;
  }

  /** The id an account has when it is not linked: stable, derived, never stored. */
  async defaultId(account: Account): Promise<string> {
    const salt = await this.#loadSalt();
    return `c-${createHmac('sha256', salt).update(`${account.platform}\u0000${account.user}`).digest('hex').slice(0, 24)}`;
  }

  /** The customer id of an account: its link's, or its default. */
  async customerId(account: Account): Promise<string> {
    const [linked, fallback] = await Promise.all([this.#guard('read a customer id', () => this.#redis.get(this.#key('account', accountRef(account)))), this.defaultId(account)]);
    return linked ?? fallback;
  }

  /** The customer of an account and all their linked accounts (the account alone when it is not linked). */
  async customerOf(account: Account): Promise<CustomerIdentity> {
    const id = await this.customerId(account);
    const refs = await this.#guard('read linked accounts', () => this.#redis.smembers(this.#key('customer', id)));
    const accounts = refs.map(parseAccountRef).filter((a): a is Account => a !== undefined);
    if (!accounts.some((a) => a.platform === account.platform && a.user === account.user)) accounts.unshift({ platform: account.platform, user: account.user });
    return { id, accounts };
  }

  /** Issue a one-time code for an account; an earlier code of that account stops working. */
  async issueCode(account: Account, ttlSeconds = this.#codeTtlSeconds): Promise<LinkCode> {
    const ref = accountRef(account);
    const id = await this.customerId(account);
    const ttlMs = Math.max(1, Math.round(ttlSeconds * 1000));
    for (let tries = 0; tries < 5; tries++) {
      const code = newLinkCode();
      const issued = await this.#guard('issue a link code', () =>
        this.#redis.eval(ISSUE_CODE, 2, this.#key('code', code), this.#key('code-of', ref), `${ref}\n${id}`, String(ttlMs), this.#key('code', ''), code),
      );
      if (issued === 1) return { code, expiresAt: Date.now() + ttlMs };
    }
    throw new StoreUnavailableError('Could not find an unused link code after 5 tries; try again.');
  }

  /** Link an account to the customer whose account issued `typed`, atomically. */
  async link(account: Account, typed: string): Promise<LinkResult> {
    const code = normaliseLinkCode(typed);
    if (!code) return { linked: false, reason: 'malformed' };
    const fallback = await this.defaultId(account);
    const result = (await this.#guard('link accounts', () =>
      this.#redis.eval(LINK, 0, this.#base, code, accountRef(account), fallback, String(this.#maxAttempts), String(this.#attemptWindowSeconds)),
    )) as string[];
    if (result[0] === 'linked') return { linked: true, id: result[1]!, previousId: result[2]! };
    const reason = result[1] as LinkRefusal;
    return { linked: false, reason: REFUSALS.has(reason) ? reason : 'invalid-or-expired' };
  }

  /** Detach an account from its customer; resolves to whether it was linked. */
  async unlink(account: Account): Promise<boolean> {
    const fresh = `c-${randomBytes(12).toString('hex')}`;
    const fallback = await this.defaultId(account);
    const result = await this.#guard('unlink an account', () => this.#redis.eval(UNLINK, 0, this.#base, accountRef(account), fallback, fresh));
    return result === 1;
  }

  /** Forget accounts entirely: links, live codes, attempts. Resolves to the keys deleted. */
  async forget(accounts: readonly Account[]): Promise<number> {
    if (accounts.length === 0) return 0;
    const result = await this.#guard('erase identity links', () => this.#redis.eval(FORGET, 0, this.#base, ...accounts.map(accountRef)));
    return Number(result);
  }

  /** Whether an account has a live link code (for exports; the code itself is not revealed). */
  async hasLiveCode(account: Account): Promise<boolean> {
    return (await this.#guard('read a link code', () => this.#redis.exists(this.#key('code-of', accountRef(account))))) === 1;
  }

  /**
   * The `ctx.customer` of one update's account, its id resolved now so handlers read it
   * synchronously; `link` and `unlink` update it.
   */
  async handleFor(account: Account): Promise<CustomerHandle> {
    let id = await this.customerId(account);
    const store = this;
    return {
      get id() {
        return id;
      },
      linkCode: (options) => store.issueCode(account, options?.ttlSeconds),
      async link(code) {
        const result = await store.link(account, code);
        if (result.linked) id = result.id;
        return result;
      },
      async unlink() {
        const was = await store.unlink(account);
        if (was) id = await store.customerId(account);
        return was;
      },
      accounts: async () => (await store.customerOf(account)).accounts,
    };
  }

  #key(kind: string, rest: string): string {
    return `${this.#base}${kind}:${rest}`;
  }

  #loadSalt(): Promise<Buffer> {
    this.#salt ??= (async () => {
      const key = this.#key('salt', 'v1');
      // Every process must derive the same ids: the first to arrive writes the salt, all read it.
      await this.#guard('create the identity salt', () => this.#redis.set(key, randomBytes(32).toString('hex'), 'NX'));
      const salt = await this.#guard('read the identity salt', () => this.#redis.get(key));
      if (!salt) throw new StoreUnavailableError('The identity salt vanished from Redis right after it was written; check that nothing evicts Kiosk keys (maxmemory-policy noeviction).');
      return Buffer.from(salt, 'hex');
    })().catch((error: unknown) => {
      this.#salt = undefined;
      throw error;
    });
    return this.#salt;
  }

  async #guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`Could not ${what} in Redis (${error instanceof Error ? error.message : String(error)}); the update is retried.`, { cause: error });
    }
  }
}
