/**
 * The identity scripts: each change of links is one Lua script, so two accounts linking at
 * the same moment, or a link racing an unlink, never leave an account pointing at a customer
 * that does not list it. Keys are built inside the scripts from the prefix (a link moves
 * accounts not known in advance); on a Redis Cluster the prefix must carry braces
 * (`{kiosk}`) so every identity key lives in one slot, as BullMQ's keys do.
 *
 * Keys, under `<prefix>:identity:`:
 * - `account:<ref>` → the customer id of a linked account (absent for an account never linked);
 * - `customer:<id>` → set of the refs of the customer's linked accounts;
 * - `code:<code>` → `<issuer ref>\n<issuer's id at the time>`, expiring with the code;
 * - `code-of:<ref>` → the account's live code, so a new code voids the old one;
 * - `attempts:<ref>` → wrong codes typed lately by that account.
 */

/** KEYS: code, code-of. ARGV: value, ttl ms, `<base>code:`, the code. Voids the account's earlier code. */
export const ISSUE_CODE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local old = redis.call('GET', KEYS[2])
if old then redis.call('DEL', ARGV[3] .. old) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[2])
return 1`;

/**
 * ARGV: key base (`<prefix>:identity:`), code, own ref, own default id, most attempts,
 * attempt window s. Returns `{ 'linked', id, previousId }` or `{ 'refused', reason }`.
 */
export const LINK = `
local base = ARGV[1]
local self = ARGV[3]
local attempts = base .. 'attempts:' .. self
local tries = tonumber(redis.call('GET', attempts) or '0')
if tries >= tonumber(ARGV[5]) then return { 'refused', 'too-many-attempts' } end
local codeKey = base .. 'code:' .. ARGV[2]
local value = redis.call('GET', codeKey)
if not value then
  redis.call('INCR', attempts)
  if tries == 0 then redis.call('EXPIRE', attempts, ARGV[6]) end
  return { 'refused', 'invalid-or-expired' }
end
local cut = string.find(value, '\\n', 1, true)
local issuer = string.sub(value, 1, cut - 1)
if issuer == self then return { 'refused', 'own-code' } end
redis.call('DEL', codeKey, base .. 'code-of:' .. issuer, attempts)
local issuerAccount = base .. 'account:' .. issuer
local into = redis.call('GET', issuerAccount) or string.sub(value, cut + 1)
local selfAccount = base .. 'account:' .. self
local from = redis.call('GET', selfAccount) or ARGV[4]
redis.call('SET', issuerAccount, into)
redis.call('SADD', base .. 'customer:' .. into, issuer)
if from ~= into then
  local fromKey = base .. 'customer:' .. from
  local moving = redis.call('SMEMBERS', fromKey)
  table.insert(moving, self)
  for _, ref in ipairs(moving) do
    redis.call('SET', base .. 'account:' .. ref, into)
    redis.call('SADD', base .. 'customer:' .. into, ref)
  end
  redis.call('DEL', fromKey)
end
return { 'linked', into, from }`;

/**
 * ARGV: key base, own ref, own default id, a fresh id. Returns 1 when the account was linked
 * to another, 0 when it was alone (nothing changes: an account that left keeps its own id).
 * An account whose default id is its customer's id (it issued the first code) takes the fresh
 * id, since the others keep theirs.
 */
export const UNLINK = `
local base = ARGV[1]
local account = base .. 'account:' .. ARGV[2]
local id = redis.call('GET', account)
if not id then return 0 end
local customer = base .. 'customer:' .. id
if redis.call('SISMEMBER', customer, ARGV[2]) == 1 and redis.call('SCARD', customer) == 1 then return 0 end
redis.call('SREM', customer, ARGV[2])
if id == ARGV[3] then
  redis.call('SET', account, ARGV[4])
  redis.call('SADD', base .. 'customer:' .. ARGV[4], ARGV[2])
else
  redis.call('DEL', account)
end
return 1`;

/**
 * ARGV: key base, then the refs to forget. Removes each account's link, its live code and
 * its attempts, and the customer sets they were in. Returns how many keys were deleted.
 */
export const FORGET = `
local base = ARGV[1]
local deleted = 0
for i = 2, #ARGV do
  local ref = ARGV[i]
  local id = redis.call('GET', base .. 'account:' .. ref)
  if id then
    local customer = base .. 'customer:' .. id
    -- Redis deletes a set with its last member: that counts as deleting the customer's set.
    if redis.call('SREM', customer, ref) == 1 and redis.call('EXISTS', customer) == 0 then deleted = deleted + 1 end
  end
  local code = redis.call('GET', base .. 'code-of:' .. ref)
  if code then deleted = deleted + redis.call('DEL', base .. 'code:' .. code) end
  deleted = deleted + redis.call('DEL', base .. 'account:' .. ref, base .. 'code-of:' .. ref, base .. 'attempts:' .. ref)
end
return deleted`;
