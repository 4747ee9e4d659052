/** Every job the bots in `bots/` enqueue, for the worker runner. */
import { taxiJobs } from './taxi/jobs';

export const jobs = [...taxiJobs];
