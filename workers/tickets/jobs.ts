/**
 * The tickets bot's jobs: release a seat hold that was not paid in time. The bot enqueues one
 * delayed job per hold (`holdExpiry`, id from the hold) and cancels it when the hold is paid
 * or given up; the store's scripts decide, so an expiry racing a payment counts no seat twice.
 */
import { defineJob, z, type JobDefinition, type JobRef } from '../../framework/index';
import { showingOfHold, type TicketStore } from '../../bots/tickets/store';

const holdData = z.object({ holdId: z.string().refine((id) => showingOfHold(id) !== undefined, 'must be a hold id such as "lighthouse-d1.K7Q2M9X4TBQ3"') });

/** The hold-expiry job as handlers enqueue and cancel it (its handler comes from `createTicketsJobs`). */
export const holdExpiry: JobRef<typeof holdData> = { name: 'tickets.hold-expiry', schema: holdData };

/** The id of a hold's expiry job, so paying or giving up the hold can cancel it. */
export function holdExpiryJobId(holdId: string): string {
  return `tickets-expire-${holdId}`;
}

/** What the tickets jobs need. */
export interface TicketsJobsDeps {
  /** The same store the bot sells from. */
  store: TicketStore;
}

/**
 * The tickets jobs, bound to a store: give them to `createKiosk({ jobs })` beside the others.
 *
 * @example
 * ```ts
 * const store = createTicketStore({ redis, prefix: 'kiosk-demo:tickets' });
 * createKiosk({ config, bots: [createTicketsBot({ store })], jobs: [...taxiJobs, ...createTicketsJobs({ store })] });
 * ```
 */
export function createTicketsJobs(deps: TicketsJobsDeps): JobDefinition[] {
  const expire = defineJob({
    ...holdExpiry,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    // A lost expiry is harmless (the next hold or stock read returns the seats), so the customer is not told of a failure.
    onFailure: false,
    async handler(job) {
      const { holdId } = job.data;
      const result = await deps.store.expire(holdId);
      if (result.ok) {
        const found = await deps.store.showing(showingOfHold(holdId)!);
        await job.notify('tickets/hold-expired', { seats: result.seats, title: found?.event.title ?? '' });
        return { released: result.seats };
      }
      // This process's clock is behind the one that held the seats: come back when the hold is due.
      if (result.reason === 'not-due') {
        await job.enqueue(holdExpiry, { holdId }, { delay: result.msLeft, jobId: `${holdExpiryJobId(holdId)}-late-${Date.now()}` });
      }
      return { released: 0, reason: result.reason };
    },
  });
  return [expire];
}
