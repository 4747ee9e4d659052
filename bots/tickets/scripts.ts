/**
 * The ticket store's Lua scripts. Each runs atomically inside Redis: no other client's
 * command runs between its reads and its writes, which is what makes "check the free seats,
 * then reserve them" one indivisible step (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).
 *
 * Keys of one showing share the hash tag `{<showing>}`, so on a Redis Cluster every key a
 * script touches is in one slot, as Cluster requires; scripts touch only the keys they are given.
 *
 * Per showing:
 * - `stock`     hash: `capacity`, `held`, `sold`, `startsAt` (ms)
 * - `holds`     sorted set: hold id → when it expires (ms). A hold's seats count as held
 *               exactly while its id is in this set.
 * - `holdseats` hash: hold id → seats, for holds in `holds`
 * - `hold:<id>` hash: `seats`, `expiresAt`, `owner`, `status` (held | paid | released), `code`
 * - `ticket:<code>` hash: `seats`, `owner`, `hold`, `status` (valid | refunded), `price`, `currency`
 */
import { createHash } from 'node:crypto';
import type { Redis } from '../../framework/index';

/** Give back the seats of one hold still in `holds`. Expects KEYS[1..3] = stock, holds, holdseats. */
const RELEASE = `
local function release(id)
  local seats = tonumber(redis.call('HGET', KEYS[3], id) or '0')
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  if seats > 0 then redis.call('HINCRBY', KEYS[1], 'held', -seats) end
  return seats
end
local function sweep(now, limit)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(expired) do release(id) end
  return #expired
end
local function available()
  local s = redis.call('HMGET', KEYS[1], 'capacity', 'held', 'sold')
  return tonumber(s[1] or '0') - tonumber(s[2] or '0') - tonumber(s[3] or '0')
end
`;

/**
 * Hold seats. KEYS: stock, holds, holdseats, hold. ARGV: now, seats, expiresAt, owner, hold id,
 * sweep limit, ttl ms of the hold record.
 * Returns {'held', available after} | {'again', seats, expiresAt} (this hold id exists) | {'not-enough', available} | {'closed'} | {'unknown'}.
 */
export const HOLD = `${RELEASE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
-- A hold id derived from the customer's update finds the hold a first, interrupted run made.
local prior = redis.call('HMGET', KEYS[4], 'seats', 'expiresAt')
if prior[1] then return {'again', tonumber(prior[1]), tonumber(prior[2])} end
local now, seats = tonumber(ARGV[1]), tonumber(ARGV[2])
if now >= tonumber(redis.call('HGET', KEYS[1], 'startsAt')) then return {'closed'} end
-- Seats of holds whose time is up return to stock here as well as in the expiry job, so a
-- late or stopped worker never leaves seats unsellable.
sweep(now, tonumber(ARGV[6]))
local free = available()
if free < seats then return {'not-enough', free} end
redis.call('HINCRBY', KEYS[1], 'held', seats)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
redis.call('HSET', KEYS[3], ARGV[5], seats)
redis.call('HSET', KEYS[4], 'seats', seats, 'expiresAt', ARGV[3], 'owner', ARGV[4], 'status', 'held')
redis.call('PEXPIRE', KEYS[4], ARGV[7])
return {'held', free - seats}
`;

/**
 * Pay a hold: its seats move from held to sold and a ticket is written. KEYS: stock, holds,
 * holdseats, hold, ticket. ARGV: now, owner ('' skips the check), code, price, currency, hold id.
 * Returns {'paid', code, seats} | {'already-paid', code, seats} | {'expired'} | {'released'} | {'unknown'} | {'not-yours'}.
 */
export const PAY = `${RELEASE}
local h = redis.call('HMGET', KEYS[4], 'status', 'owner', 'seats', 'code')
if not h[1] then return {'unknown'} end
if ARGV[2] ~= '' and h[2] ~= ARGV[2] then return {'not-yours'} end
if h[1] == 'paid' then return {'already-paid', h[4], tonumber(h[3])} end
if h[1] == 'released' then return {'released'} end
local id = ARGV[6]
local expiresAt = redis.call('ZSCORE', KEYS[2], id)
if not expiresAt then return {'expired'} end
if tonumber(expiresAt) <= tonumber(ARGV[1]) then
  release(id)
  return {'expired'}
end
local seats = release(id)
redis.call('HINCRBY', KEYS[1], 'sold', seats)
redis.call('HSET', KEYS[4], 'status', 'paid', 'code', ARGV[3])
redis.call('HSET', KEYS[5], 'seats', seats, 'owner', h[2], 'hold', id, 'status', 'valid', 'price', ARGV[4], 'currency', ARGV[5])
return {'paid', ARGV[3], seats}
`;

/**
 * Give back a hold's seats. KEYS: stock, holds, holdseats, hold. ARGV: now, mode ('expire':
 * only once its time is up; 'release': at once), owner ('' skips the check), hold id.
 * Returns {'released', seats} | {'not-due', ms left} | {'gone', status} | {'unknown'} | {'not-yours'}.
 */
export const RELEASE_HOLD = `${RELEASE}
local h = redis.call('HMGET', KEYS[4], 'status', 'owner')
if not h[1] then return {'unknown'} end
if ARGV[3] ~= '' and h[2] ~= ARGV[3] then return {'not-yours'} end
local id = ARGV[4]
local expiresAt = redis.call('ZSCORE', KEYS[2], id)
if h[1] ~= 'held' or not expiresAt then return {'gone', h[1]} end
local left = tonumber(expiresAt) - tonumber(ARGV[1])
if ARGV[2] == 'expire' and left > 0 then return {'not-due', left} end
local seats = release(id)
if ARGV[2] == 'release' then redis.call('HSET', KEYS[4], 'status', 'released') end
return {'released', seats}
`;

/**
 * Refund a ticket before its showing starts: its seats return to stock. KEYS: stock, ticket.
 * ARGV: now, owner ('' skips the check).
 * Returns {'refunded', seats} | {'already-refunded'} | {'too-late'} | {'unknown'} | {'not-yours'}.
 */
export const REFUND = `
local t = redis.call('HMGET', KEYS[2], 'status', 'owner', 'seats')
if not t[1] then return {'unknown'} end
if ARGV[2] ~= '' and t[2] ~= ARGV[2] then return {'not-yours'} end
if t[1] == 'refunded' then return {'already-refunded'} end
if tonumber(ARGV[1]) >= tonumber(redis.call('HGET', KEYS[1], 'startsAt')) then return {'too-late'} end
redis.call('HSET', KEYS[2], 'status', 'refunded')
redis.call('HINCRBY', KEYS[1], 'sold', -tonumber(t[3]))
return {'refunded', tonumber(t[3])}
`;

/**
 * Return expired holds' seats and read the stock. KEYS: stock, holds, holdseats. ARGV: now, sweep limit.
 * Returns {capacity, held, sold, startsAt} or {} when the showing is unknown.
 */
export const STOCK = `${RELEASE}
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
sweep(tonumber(ARGV[1]), tonumber(ARGV[2]))
local s = redis.call('HMGET', KEYS[1], 'capacity', 'held', 'sold', 'startsAt')
return {tonumber(s[1] or '0'), tonumber(s[2] or '0'), tonumber(s[3] or '0'), tonumber(s[4] or '0')}
`;

/** A Lua script run by its SHA1 (EVALSHA), sent in full once per server that does not know it yet. */
export class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Run the script with its keys and arguments. */
  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}
