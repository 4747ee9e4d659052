/**
 * The Lua scripts behind the bills store's state changes. Each runs atomically inside Redis:
 * no other command runs between its read and its write, so two taps, two processes or two
 * provider callbacks racing each other see one outcome each, in some order.
 *
 * A bill moves `unpaid → pending(payment) → paid`; a payment moves
 * `pending → paid | refund | failed` (or `abandoned` when the provider could not create it).
 * Every key a script touches is passed in KEYS, so the scripts run on a Redis Cluster when the
 * store's prefix has a hash tag (`{bills}`).
 */

/**
 * Reserve a bill for a new payment.
 * KEYS: bill, payment. ARGV: reference, now (ms), pending until (ms), conversation JSON, bill id.
 * Returns `{'reserved'}`, `{'pending', reference}`, `{'paid'}` or `{'missing'}`.
 */
export const START_PAYMENT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
if state == 'paid' then return {'paid'} end
if state == 'pending' then
  local untilMs = tonumber(redis.call('HGET', KEYS[1], 'pendingUntil') or '0')
  if untilMs > tonumber(ARGV[2]) then return {'pending', redis.call('HGET', KEYS[1], 'payment')} end
end
redis.call('HSET', KEYS[1], 'state', 'pending', 'payment', ARGV[1], 'pendingUntil', ARGV[3])
redis.call('HSET', KEYS[2], 'reference', ARGV[1], 'bill', ARGV[5], 'state', 'pending', 'conversation', ARGV[4], 'createdAt', ARGV[2], 'expiresAt', ARGV[3])
return {'reserved'}
`;

/**
 * Record the provider's id and link for a reserved payment.
 * KEYS: payment. ARGV: provider payment id, pay URL. Returns 1, or 0 when the payment is unknown.
 */
export const ATTACH_PAYMENT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local known = redis.call('HGET', KEYS[1], 'paymentId')
if known and known ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'paymentId', ARGV[1], 'payUrl', ARGV[2])
return 1
`;

/**
 * Give a reservation back when the provider could not create the payment.
 * KEYS: bill, payment. ARGV: reference.
 */
export const ABANDON_PAYMENT = `
if redis.call('HGET', KEYS[2], 'state') == 'pending' then redis.call('HSET', KEYS[2], 'state', 'abandoned') end
if redis.call('HGET', KEYS[1], 'state') == 'pending' and redis.call('HGET', KEYS[1], 'payment') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'state', 'unpaid')
  redis.call('HDEL', KEYS[1], 'pendingUntil')
end
return 1
`;

/**
 * Settle a payment from the provider's callback.
 * KEYS: payment, bill, unpaid index. ARGV: reference, provider payment id, 'succeeded' | 'failed', now (ms), bill id.
 * Returns `{outcome, receiptQueued}` where outcome is:
 * - `paid`: this payment paid the bill (the first and only time);
 * - `already-paid`: a repeated callback for a payment already settled as paid;
 * - `refund`: the bill had been paid by another payment (an expired reservation paid late);
 * - `failed`: the provider reports the payment failed; the bill is payable again;
 * - `settled`: a repeated callback for a payment settled otherwise (refund, failed);
 * - `mismatch`: the provider's id is not the one recorded for this reference;
 * - `missing`: no such payment.
 */
export const SETTLE_PAYMENT = `
local pstate = redis.call('HGET', KEYS[1], 'state')
if not pstate then return {'missing', '0'} end
local queued = redis.call('HGET', KEYS[1], 'receiptQueued') or '0'
local known = redis.call('HGET', KEYS[1], 'paymentId')
if known and known ~= ARGV[2] then return {'mismatch', queued} end
if pstate == 'paid' then return {'already-paid', queued} end
if pstate ~= 'pending' and pstate ~= 'abandoned' then return {'settled', queued} end
local bstate = redis.call('HGET', KEYS[2], 'state')
local holder = redis.call('HGET', KEYS[2], 'payment')
if ARGV[3] == 'failed' then
  redis.call('HSET', KEYS[1], 'state', 'failed', 'paymentId', ARGV[2], 'settledAt', ARGV[4])
  if bstate == 'pending' and holder == ARGV[1] then
    redis.call('HSET', KEYS[2], 'state', 'unpaid')
    redis.call('HDEL', KEYS[2], 'pendingUntil')
  end
  return {'failed', queued}
end
if bstate == 'paid' then
  redis.call('HSET', KEYS[1], 'state', 'refund', 'paymentId', ARGV[2], 'settledAt', ARGV[4])
  return {'refund', queued}
end
redis.call('HSET', KEYS[2], 'state', 'paid', 'payment', ARGV[1], 'paidAt', ARGV[4])
redis.call('HDEL', KEYS[2], 'pendingUntil')
redis.call('ZREM', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[1], 'state', 'paid', 'paymentId', ARGV[2], 'settledAt', ARGV[4])
return {'paid', queued}
`;

/**
 * Issue a bill unless it exists: a bill run that is retried issues nothing twice.
 * KEYS: bill, account's current bill, unpaid index. ARGV: bill id, due (ms), then field/value pairs.
 * Returns 1 when issued, 0 when it existed.
 */
export const ISSUE_BILL = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], 'state', 'unpaid', unpack(fields))
local current = redis.call('GET', KEYS[2])
if not current or current < ARGV[1] then redis.call('SET', KEYS[2], ARGV[1]) end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
`;

/**
 * Claim a bill's reminder for a day: the first run to claim it sends it, and a run of the
 * same day (a retry, an overlapping run) may send it again under the same broadcast id,
 * which de-duplicates; a later day's run does not.
 * KEYS: bill. ARGV: day. Returns 1 when this day's run should remind, else 0.
 */
export const CLAIM_REMINDER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local day = redis.call('HGET', KEYS[1], 'remindedOn')
if not day then redis.call('HSET', KEYS[1], 'remindedOn', ARGV[1]) return 1 end
if day == ARGV[1] then return 1 end
return 0
`;
