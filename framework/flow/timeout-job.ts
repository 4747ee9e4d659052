/**
 * The idle timeout of a flow: a delayed BullMQ job, not a timer in memory, so it fires even
 * if the process that started the flow is gone. Each answer enqueues a new one for the new
 * version of the flow and removes the old; a timeout that fires anyway (its removal raced
 * with its start) finds a newer version and does nothing.
 */
import { z } from 'zod';
import type { JobRef } from '../core/job-options';
import { defineJob, type JobDefinition } from '../jobs/define-job';
import { FlowConflictError, type FlowStore } from './store';

/** How long an ended flow's state is kept, so late timeouts and re-runs of its last update find it. */
export const ENDED_FLOW_TTL_SECONDS = 86_400;

const timeoutData = z.object({
  /** The customer's flow key. */
  key: z.string().min(1),
  /** The run the timeout belongs to. */
  run: z.string().min(1),
  /** The version of the flow the timeout was set for: any later answer makes it void. */
  version: z.number().int().positive(),
  /** What to say (a template name or text, already chosen for the customer's locale), or `null` for nothing. */
  message: z.string().nullable(),
  /** The flow's data at that version, for the template. */
  data: z.record(z.string(), z.unknown()),
});

/** The timeout job as handlers enqueue it: `ctx.enqueue(flowTimeout, …)`. */
export const flowTimeout: JobRef<typeof timeoutData> = { name: 'kiosk.flow-timeout', schema: timeoutData };

/** The id of the timeout job of one version of a run, so a re-run handler enqueues it once. */
export function flowTimeoutJobId(run: string, version: number): string {
  return `flow-timeout-${run}-${version}`;
}

/**
 * The worker side of flow timeouts, bound to the store the flows live in. `createKiosk`
 * registers it with the store it lends to handlers.
 *
 * @example
 * ```ts
 * startJobConsumer(connection, { jobs: [...jobs, flowTimeoutJob(store)], … });
 * ```
 */
export function flowTimeoutJob(store: FlowStore, options: { leaseMs?: number } = {}): JobDefinition<typeof timeoutData> {
  const leaseMs = options.leaseMs ?? 15_000;
  return defineJob({
    name: flowTimeout.name,
    schema: timeoutData,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    // A timeout that cannot run is not worth a failure notice to the customer.
    onFailure: false,
    async handler(job) {
      const { key, run, version, message, data } = job.data;
      // The lease serialises the timeout with an answer being handled at the same moment.
      const lock = await store.lockFlow(key, leaseMs, leaseMs + 5_000);
      if (!lock) throw new FlowConflictError(`The flow of ${key} is held by another process; the timeout is retried.`);
      let ended = false;
      try {
        const state = await store.readFlow(key);
        if (!state || state.run !== run) return 'gone';
        if (state.status === 'ended') {
          // A re-run of this job after it ended the flow: notify again (delivery de-duplicates it).
          ended = state.endedBy === 'timeout' && state.version === version + 1;
        } else if (state.version === version) {
          const { timeoutJob: _done, ...rest } = state;
          ended = await store.writeFlow(key, { ...rest, status: 'ended', endedBy: 'timeout', version: version + 1, updatedAt: Date.now() }, version, ENDED_FLOW_TTL_SECONDS);
        }
      } finally {
        await lock.release();
      }
      if (!ended) return 'answered';
      if (message !== null && job.conversation) await job.notify(message, data);
      return 'timed-out';
    },
  });
}
