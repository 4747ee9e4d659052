/**
 * What Kiosk keeps of one customer's flow between two updates: plain JSON in the session
 * store, read back through a zod schema so a value written by another version of Kiosk (or
 * damaged by hand) is treated as "no flow" instead of crashing a handler.
 */
import { z } from 'zod';

/** Why a flow ended. */
export type FlowEndReason = 'finish' | 'cancel' | 'timeout' | 'replaced' | 'stale';

/**
 * One customer's flow as stored. Every write increments `version`, and a write names the
 * version it read, so two processes can never both advance the same step.
 */
export interface FlowState {
  /** Incremented by every write; the store refuses a write whose expected version is not the stored one. */
  version: number;
  /** `active` while the flow waits for an answer; `ended` is kept a while so late timeouts find it. */
  status: 'active' | 'ended';
  /** The flow's name, as given to `new Flow(name, …)`. */
  flow: string;
  /** The id of this run of the flow; derived from the update that started it, so a re-run starts the same run. */
  run: string;
  /** The step waiting for an answer. */
  step: string;
  /** Steps asked before, most recent last: `back()` pops from here. */
  history: string[];
  /** The flow's data, validated against the flow's schema when loaded. */
  data: unknown;
  /** The id of the last update this flow applied: a re-run of that update is not applied twice. */
  lastUpdate?: string;
  /** The id of the pending idle-timeout job, replaced by each answer. */
  timeoutJob?: string;
  /** Why the flow ended, once it has. */
  endedBy?: FlowEndReason;
  /** Milliseconds since the epoch of the last write. */
  updatedAt: number;
}

/** The schema stored flow state is read through. */
export const flowStateSchema: z.ZodType<FlowState> = z.object({
  version: z.number().int().nonnegative(),
  status: z.enum(['active', 'ended']),
  flow: z.string(),
  run: z.string(),
  step: z.string(),
  history: z.array(z.string()),
  data: z.unknown(),
  lastUpdate: z.string().optional(),
  timeoutJob: z.string().optional(),
  endedBy: z.enum(['finish', 'cancel', 'timeout', 'replaced', 'stale']).optional(),
  updatedAt: z.number(),
}) as z.ZodType<FlowState>;

/** Parse a stored value; anything that does not fit is `undefined` (no flow). */
export function parseFlowState(value: unknown): FlowState | undefined {
  const parsed = flowStateSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
