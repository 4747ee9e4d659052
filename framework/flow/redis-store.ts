/**
 * Sessions and flows in one Redis store. Kiosk lends this store to every handler as
 * `ctx.store`: sessions use its plain `get`/`set`, flows its versioned writes and leases, so
 * a flow started on one worker process continues on any other, and after a restart.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisSessionStore } from '../session/redis-store';
import { parseFlowState, type FlowState } from './state';
import type { FlowLock, FlowStore } from './store';

// Compare-and-set in one script, so no other client can write between the read and the write.
// A value that is not a flow (unreadable JSON) counts as version 0, like an absent one.
const WRITE_IF_VERSION = `
local current = redis.call('GET', KEYS[1])
local version = 0
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and type(decoded.version) == 'number' then version = decoded.version end
end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

// Release a lease only if it is still ours: an expired lease may have been taken by another process.
const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The store Kiosk lends to handlers: sessions under `<prefix>:session:<key>`, flows under
 * `<prefix>:session:flow:<key>`, leases under `<prefix>:session:flow-lock:<key>`.
 *
 * @example
 * ```ts
 * // Outside createKiosk, e.g. a bot run by hand against Redis:
 * bot.use(flows([orderRide], { store: new RedisFlowStore(redis, { prefix: 'kiosk' }) }));
 * ```
 */
export class RedisFlowStore extends RedisSessionStore implements FlowStore {
  readonly #connection: Redis;

  constructor(redis: Redis, options: { prefix: string }) {
    super(redis, options);
    this.#connection = redis;
  }

  async readFlow(key: string): Promise<FlowState | undefined> {
    const raw = await this.#connection.get(this.keyOf(`flow:${key}`));
    if (raw === null) return undefined;
    try {
      return parseFlowState(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }

  async writeFlow(key: string, state: FlowState, expectedVersion: number, ttlSeconds: number): Promise<boolean> {
    const written = await this.#connection.eval(WRITE_IF_VERSION, 1, this.keyOf(`flow:${key}`), String(expectedVersion), JSON.stringify(state), String(Math.max(1, Math.ceil(ttlSeconds))));
    return written === 1;
  }

  async lockFlow(key: string, leaseMs: number, waitMs: number): Promise<FlowLock | undefined> {
    const lockKey = this.keyOf(`flow-lock:${key}`);
    const token = randomBytes(8).toString('hex');
    const deadline = Date.now() + waitMs;
    for (;;) {
      if ((await this.#connection.set(lockKey, token, 'PX', leaseMs, 'NX')) === 'OK') {
        return { release: async () => void (await this.#connection.eval(RELEASE_IF_OWNER, 1, lockKey, token)) };
      }
      if (Date.now() >= deadline) return undefined;
      await sleep(15);
    }
  }
}
