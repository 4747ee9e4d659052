/** Every job the bots in `bots/` enqueue, assembled from what the jobs need, for the worker runner. */
import type { BroadcastOptions, BroadcastReport, JobDefinition } from '../framework/index';
import type { BillsStore } from '../bots/bills';
import type { TicketStore } from '../bots/tickets';
import { createBillsJobs, type BillsJobs } from './bills/jobs';
import { taxiJobs } from './taxi/jobs';
import { createTicketsJobs } from './tickets/jobs';

/** What the jobs need. The taxi jobs need nothing; a service whose store is absent has no jobs. */
export interface JobsDeps {
  /** The bills store, and Kiosk's broadcast for the bill runs. */
  bills?: { store: BillsStore; broadcast(options: BroadcastOptions): Promise<BroadcastReport> };
  /** The tickets store. */
  tickets?: { store: TicketStore };
}

/** Every job, and the bills jobs apart, to schedule their runs. */
export interface AssembledJobs {
  /** Every job of every service, once each (the hub and a service served alone share them). */
  all: JobDefinition[];
  /** The bills jobs, when bills is served: `await bills.schedule(kiosk)` sets up the monthly run. */
  bills?: BillsJobs;
}

/**
 * Every job of the services whose deps are given.
 *
 * @example
 * ```ts
 * let kiosk: Kiosk;
 * const jobs = createJobs({ bills: { store, broadcast: (o) => kiosk.broadcast(o) }, tickets: { store: ticketStore } });
 * kiosk = createKiosk({ config, bots, jobs: jobs.all, render });
 * ```
 */
export function createJobs(deps: JobsDeps = {}): AssembledJobs {
  const all: JobDefinition[] = [...taxiJobs];
  const bills = deps.bills ? createBillsJobs(deps.bills) : undefined;
  if (bills) all.push(...bills.all);
  if (deps.tickets) all.push(...createTicketsJobs(deps.tickets));
  return bills ? { all, bills } : { all };
}
