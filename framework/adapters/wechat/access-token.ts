/**
 * WeChat's access_token, shared by every Kiosk process through Redis.
 *
 * WeChat hands out one access_token per account at a time: fetching a new one invalidates the
 * previous one five minutes later, and the token endpoint is rationed (about 2,000 fetches a
 * day). WeChat's own advice is one "central control server" that refreshes the token and lends
 * it to the others (https://developers.weixin.qq.com/doc/service/en/Basic_Information/Get_access_token.html,
 * https://developers.weixin.qq.com/doc/oplatform/developers/dev/AccessToken.md). Here Redis is
 * that server: the token is cached under `${prefix}:wechat:token:${appId}`, and when it is
 * missing or about to expire exactly one process fetches a new one under a Redis lock while the
 * others wait for it (or keep using the old one, which is still valid). So the number of
 * fetches an hour depends on the token's lifetime, never on the number of processes.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DeliveryError } from '../../core/errors';

/** Options of `createAccessTokenSource`. */
export interface AccessTokenSourceOptions {
  /** The Redis connection the cache and the lock live on. Every process of one account must use the same Redis. */
  redis: Redis;
  /** Kiosk's key prefix, e.g. `'kiosk'`. */
  prefix: string;
  /** The official account's AppID (开发者ID), e.g. `'wx1234567890abcdef'`. */
  appId: string;
  /** The account's AppSecret (开发者密码). A secret: never logged. */
  appSecret: string;
  /** Base URL of the WeChat API, e.g. `'https://api.weixin.qq.com'` or a fake server's. */
  apiRoot: string;
  /** Refresh a token this many seconds before it expires. @defaultValue `300` */
  refreshMarginSeconds?: number;
  /** How long one process may hold the refresh lock. @defaultValue `15000` */
  lockTtlMs?: number;
  /** How long a process waits for another one's refresh before giving up with a retryable error. @defaultValue `lockTtlMs + 5000` */
  waitTimeoutMs?: number;
  /** How often a waiting process looks for the new token. @defaultValue `25` */
  pollIntervalMs?: number;
  /** The HTTP client. @defaultValue the global `fetch` */
  fetch?: typeof fetch;
  /** The clock, in milliseconds since the epoch; tests move it to reach a token's expiry. @defaultValue `Date.now` */
  now?: () => number;
}

/** Where an API client gets its access_token. */
export interface AccessTokenSource {
  /** A token valid for at least the refresh margin (or, while another process refreshes it, the still-valid old one). */
  get(): Promise<string>;
  /**
   * A new token after WeChat refused `staleToken` (errcode 40001, 40014 or 42001). Fetches one
   * only if the cached token is still `staleToken`: when fifty processes see 40001 at once,
   * one fetches and the other forty-nine pick up its token.
   */
  refresh(staleToken: string): Promise<string>;
}

/** The token as cached in Redis. */
const cachedTokenSchema = z.object({ token: z.string().min(1), expiresAt: z.number() });
type CachedToken = z.infer<typeof cachedTokenSchema>;

/** What `GET /cgi-bin/token` answers: a token, or an error code. */
const tokenAnswerSchema = z.union([
  z.object({ access_token: z.string().min(1), expires_in: z.number().positive() }),
  z.object({ errcode: z.number(), errmsg: z.string().optional() }),
]);

// Deletes the lock only if it still holds our value, so a process whose lock expired never
// releases the lock another process took after it.
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Token endpoint errors that configuration must fix, with what to fix. Codes from the global
 * return codes (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html).
 */
const CONFIG_ERRORS: Record<number, string> = {
  40001: 'the AppSecret is wrong or belongs to another account: check settings.appSecret',
  40002: 'grant_type must be client_credential (a Kiosk bug: please report it)',
  40013: 'the AppID is not valid: check settings.appId (it starts with "wx")',
  40125: 'the AppSecret is not valid: check settings.appSecret (reset it in the WeChat Official Accounts Platform if needed)',
  40164: "this server's IP address is not on the account's IP whitelist: add it under 设置与开发 → 基本配置 → IP白名单",
  40243: 'the AppSecret is frozen: unfreeze or reset it in the WeChat Official Accounts Platform',
  41002: 'the AppID is missing: set settings.appId',
  41004: 'the AppSecret is missing: set settings.appSecret',
  89503: "this server's IP address needs the account administrator's confirmation before it may call the API",
};

/**
 * Create the access_token source of one official account.
 *
 * @example
 * ```ts
 * const tokens = createAccessTokenSource({ redis, prefix: 'kiosk', appId, appSecret, apiRoot: 'https://api.weixin.qq.com' });
 * const token = await tokens.get();
 * // …WeChat answered 40001: the token was replaced elsewhere
 * const fresh = await tokens.refresh(token);
 * ```
 */
export function createAccessTokenSource(options: AccessTokenSourceOptions): AccessTokenSource {
  const { redis, appId } = options;
  const key = `${options.prefix}:wechat:token:${appId}`;
  const lockKey = `${key}:lock`;
  const marginMs = (options.refreshMarginSeconds ?? 300) * 1000;
  const lockTtlMs = options.lockTtlMs ?? 15_000;
  const waitTimeoutMs = options.waitTimeoutMs ?? lockTtlMs + 5_000;
  const pollIntervalMs = options.pollIntervalMs ?? 25;
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? fetch;
  // Concurrent callers in one process share one renewal rather than each polling Redis.
  const inflight = new Map<string, Promise<string>>();

  const read = async (): Promise<CachedToken | undefined> => {
    const raw = await redis.get(key);
    if (raw === null) return undefined;
    try {
      const parsed = cachedTokenSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // unreadable: treated as missing and overwritten by the next fetch
    }
  };

  const fetchToken = async (): Promise<CachedToken> => {
    const url = new URL('/cgi-bin/token', options.apiRoot);
    url.search = new URLSearchParams({ grant_type: 'client_credential', appid: appId, secret: options.appSecret }).toString();
    const where = `${url.origin}/cgi-bin/token`; // never the query: it carries the secret
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(Math.max(1_000, lockTtlMs - 2_000)) });
    } catch (error) {
      throw new DeliveryError(
        `Could not reach WeChat at ${where} to fetch the access_token for ${appId}: ${reasonOf(error)}. Check the network and settings.apiRoot; retrying.`,
        { kind: 'retry' },
        { cause: error },
      );
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const retry = response.status >= 500 || response.status === 429 || response.ok;
      throw new DeliveryError(
        `WeChat's token endpoint ${where} answered HTTP ${response.status} without JSON${retry ? '; retrying' : ': check settings.apiRoot'}.`,
        retry ? { kind: 'retry' } : { kind: 'give-up', reason: `token endpoint answered HTTP ${response.status}` },
        { status: response.status },
      );
    }
    const answer = tokenAnswerSchema.safeParse(json);
    if (!answer.success) {
      throw new DeliveryError(`WeChat's token endpoint ${where} answered an unexpected body; retrying.`, { kind: 'retry' }, { cause: answer.error });
    }
    if ('access_token' in answer.data) {
      return { token: answer.data.access_token, expiresAt: now() + answer.data.expires_in * 1000 };
    }
    const { errcode, errmsg = '' } = answer.data;
    const fix = CONFIG_ERRORS[errcode];
    if (fix) {
      throw new DeliveryError(`WeChat refused to issue an access_token for ${appId} (errcode ${errcode} ${errmsg}): ${fix}.`, {
        kind: 'give-up',
        reason: `access_token refused (${errcode}): ${fix}`,
      }, { status: errcode });
    }
    // -1 (system busy), 45009 (daily quota of token fetches reached) and anything unknown: try again later.
    const outcome = errcode === 45009 ? { kind: 'retry-after' as const, seconds: 60 } : { kind: 'retry' as const };
    throw new DeliveryError(`WeChat did not issue an access_token for ${appId} (errcode ${errcode} ${errmsg}); retrying.`, outcome, { status: errcode });
  };

  /**
   * Return a token `unusable` does not reject. One process fetches under the lock; the others
   * poll until its token appears, or keep a still-valid token while someone else refreshes.
   */
  const renew = async (unusable: (cached: CachedToken | undefined) => boolean, acceptWhileLocked: (cached: CachedToken) => boolean): Promise<string> => {
    const deadline = Date.now() + waitTimeoutMs;
    const lockValue = randomBytes(12).toString('hex');
    for (;;) {
      const cached = await read();
      if (cached && !unusable(cached)) return cached.token;
      const acquired = await redis.set(lockKey, lockValue, 'PX', lockTtlMs, 'NX');
      if (acquired === 'OK') {
        try {
          // Someone may have stored a new token between our read and our lock.
          const again = await read();
          if (again && !unusable(again)) return again.token;
          const fresh = await fetchToken();
          const ttl = Math.max(1, fresh.expiresAt - now());
          await redis.set(key, JSON.stringify(fresh), 'PX', ttl);
          return fresh.token;
        } finally {
          await redis.eval(RELEASE_LOCK, 1, lockKey, lockValue).catch(() => undefined);
        }
      }
      if (cached && acceptWhileLocked(cached)) return cached.token;
      if (Date.now() > deadline) {
        throw new DeliveryError(
          `Timed out after ${waitTimeoutMs} ms waiting for another process to refresh the WeChat access_token for ${appId}; retrying.`,
          { kind: 'retry' },
        );
      }
      await sleep(pollIntervalMs + Math.floor(Math.random() * pollIntervalMs));
    }
  };

  const shared = (name: string, run: () => Promise<string>): Promise<string> => {
    const existing = inflight.get(name);
    if (existing) return existing;
    const promise = run().finally(() => inflight.delete(name));
    inflight.set(name, promise);
    return promise;
  };

  const expired = (cached: CachedToken) => cached.expiresAt <= now();
  const nearExpiry = (cached: CachedToken | undefined) => !cached || cached.expiresAt - marginMs <= now();

  return {
    async get() {
      const cached = await read();
      if (!nearExpiry(cached)) return cached!.token;
      // Near expiry but still valid: while another process refreshes, WeChat accepts the old token.
      return shared('get', () => renew(nearExpiry, (c) => !expired(c)));
    },
    refresh(staleToken) {
      return shared(`refresh:${staleToken}`, () =>
        renew((cached) => !cached || cached.token === staleToken || expired(cached), () => false),
      );
    },
  };
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
