/** An in-memory session store for unit tests: one process, no persistence. */
import type { SessionStore } from './store';

/**
 * Sessions in a `Map`, copied on the way in and out so later mutation does not leak.
 *
 * @example
 * ```ts
 * bot.use(session({ initial: () => ({ step: 'idle' }), store: new MemorySessionStore() }));
 * ```
 */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();

  async get(key: string): Promise<unknown | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return structuredClone(entry.value);
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    this.entries.set(key, { value: structuredClone(value), expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : Infinity });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
