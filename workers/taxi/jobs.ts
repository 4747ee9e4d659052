/**
 * The taxi bot's jobs: dispatch a ride, then tell the customer as it progresses. Follow-up
 * status jobs have ids derived from the ride, so cancelling a ride can remove them.
 */
import { defineJob, z } from '../../framework/index';
import { simulatedDispatch, type DispatchService } from './dispatch-service';

/** Timings of a simulated ride, in ms; the demo and tests shorten them. */
export const rideTimings = {
  arrivingAfterMs: Number(process.env.TAXI_ARRIVING_AFTER_MS ?? 20_000),
  arrivedAfterMs: Number(process.env.TAXI_ARRIVED_AFTER_MS ?? 40_000),
};

/** The dispatch system the jobs use; a business swaps in its own. */
export let dispatchService: DispatchService = simulatedDispatch;

/** Replace the dispatch system (tests, or a business's real one). */
export function useDispatchService(service: DispatchService): void {
  dispatchService = service;
}

const status = z.enum(['arriving', 'arrived']);

/** Ids of a ride's pending status jobs, so a cancel can remove them. */
export function statusJobId(rideId: string, stage: z.infer<typeof status>): string {
  return `taxi-${stage}-${rideId}`;
}

/** One status update of a ride: "arriving", then "arrived". */
export const rideStatus = defineJob({
  name: 'taxi.status',
  schema: z.object({ rideId: z.string().min(1), stage: status, driver: z.string(), pickup: z.string() }),
  attempts: 5,
  async handler(job) {
    await job.notify(`taxi/${job.data.stage}`, { driver: job.data.driver, pickup: job.data.pickup });
  },
});

/** Find a driver for a confirmed ride and schedule its status updates. */
export const dispatchRide = defineJob({
  name: 'taxi.dispatch',
  schema: z.object({
    rideId: z.string().min(1),
    pickup: z.string().min(1),
    destination: z.string().min(1),
    fare: z.number().positive(),
  }),
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  async handler(job) {
    const assignment = await dispatchService.assign(job.data);
    await job.notify('taxi/assigned', { ...assignment });
    const base = { rideId: job.data.rideId, driver: assignment.driver, pickup: job.data.pickup };
    await job.enqueue(rideStatus, { ...base, stage: 'arriving' }, { delay: rideTimings.arrivingAfterMs, jobId: statusJobId(job.data.rideId, 'arriving') });
    await job.enqueue(rideStatus, { ...base, stage: 'arrived' }, { delay: rideTimings.arrivedAfterMs, jobId: statusJobId(job.data.rideId, 'arrived') });
    return assignment;
  },
});

/** Every taxi job, for the worker runner. */
export const taxiJobs = [dispatchRide, rideStatus];
