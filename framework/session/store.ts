/**
 * Where sessions are kept. Values are JSON-serialisable plain data; Redis in production,
 * memory in unit tests.
 */

/** A key-value store for sessions. */
export interface SessionStore {
  /** The value under a key, or `undefined`. */
  get(key: string): Promise<unknown | undefined>;
  /** Store a value, expiring after `ttlSeconds` when given. */
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  /** Remove a key. */
  delete(key: string): Promise<void>;
}
