/** Flows in memory, for unit tests of one process: the same semantics as Redis, no durability. */
import { parseFlowState, type FlowState } from './state';
import type { FlowLock, FlowStore } from './store';

/**
 * A flow store in a `Map`. Versioned writes and leases behave as in `RedisFlowStore`, so a
 * test of a flow's logic needs no Redis; state dies with the process.
 *
 * @example
 * ```ts
 * bot.use(flows([orderRide], { store: new MemoryFlowStore() }));
 * ```
 */
export class MemoryFlowStore implements FlowStore {
  private readonly flows = new Map<string, { json: string; expiresAt: number }>();
  private readonly leases = new Map<string, { token: object; expiresAt: number }>();

  async readFlow(key: string): Promise<FlowState | undefined> {
    const entry = this.flows.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.flows.delete(key);
      return undefined;
    }
    return parseFlowState(JSON.parse(entry.json));
  }

  async writeFlow(key: string, state: FlowState, expectedVersion: number, ttlSeconds: number): Promise<boolean> {
    const current = await this.readFlow(key);
    if ((current?.version ?? 0) !== expectedVersion) return false;
    this.flows.set(key, { json: JSON.stringify(state), expiresAt: Date.now() + ttlSeconds * 1000 });
    return true;
  }

  async lockFlow(key: string, leaseMs: number, waitMs: number): Promise<FlowLock | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const held = this.leases.get(key);
      if (!held || held.expiresAt <= Date.now()) {
        const token = {};
        this.leases.set(key, { token, expiresAt: Date.now() + leaseMs });
        return {
          release: async () => {
            if (this.leases.get(key)?.token === token) this.leases.delete(key);
          },
        };
      }
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
