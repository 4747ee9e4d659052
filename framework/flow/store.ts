/**
 * Where flow state is kept. A flow store is a key-value store with two extras that plain
 * sessions do not need: a versioned write (compare-and-set), so an answer is applied once
 * even if two processes race for it, and a short lease per customer, so two updates of one
 * customer are handled one after the other even outside Kiosk's per-chat queues.
 */
import { StoreUnavailableError } from '../core/errors';
import type { FlowState } from './state';

/** A held lease on one customer's flow; release it when the update is handled. */
export interface FlowLock {
  release(): Promise<void>;
}

/** Storage for flows: Redis inside Kiosk (`RedisFlowStore`), memory in unit tests (`MemoryFlowStore`). */
export interface FlowStore {
  /** The flow state under a key, or `undefined` when there is none (or it is unreadable). */
  readFlow(key: string): Promise<FlowState | undefined>;
  /**
   * Store `state` if, and only if, the stored version is `expectedVersion` (0 when there is
   * none). Resolves to whether it was written.
   */
  writeFlow(key: string, state: FlowState, expectedVersion: number, ttlSeconds: number): Promise<boolean>;
  /**
   * Take the lease on a key for `leaseMs`, waiting up to `waitMs` while another holder has
   * it. Resolves to `undefined` when it could not be taken in time.
   */
  lockFlow(key: string, leaseMs: number, waitMs: number): Promise<FlowLock | undefined>;
}

/** Whether a store (such as the one Kiosk lends as `ctx.store`) can keep flows. */
export function isFlowStore(store: unknown): store is FlowStore {
  const candidate = store as Partial<FlowStore> | null | undefined;
  return typeof candidate?.readFlow === 'function' && typeof candidate.writeFlow === 'function' && typeof candidate.lockFlow === 'function';
}

/**
 * Another process changed or holds this customer's flow: the update is retried (the inbound
 * queue retries a failed handler), and sees the flow as the other process left it.
 */
export class FlowConflictError extends StoreUnavailableError {
  constructor(message: string) {
    super(message);
  }
}
