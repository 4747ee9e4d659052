/** `kiosk worker`: handles queued updates, runs jobs and delivers replies; serves no HTTP. */
import type { CliCommand } from '../command';
import { announce, buildKiosk, WORKER_OPTIONS } from '../serve';

/** `kiosk worker`. */
export const workerCommand: CliCommand = {
  words: ['worker'],
  summary: 'Handle queued updates, run jobs and deliver replies (no HTTP)',
  description:
    'Any number may run against one Redis. On SIGTERM a worker finishes what it holds and exits;\n' +
    'if it is killed outright, BullMQ hands its jobs to another worker once their locks expire.',
  options: WORKER_OPTIONS,
  examples: ['kiosk worker --concurrency 20'],
  async run(input) {
    const kiosk = await buildKiosk(input, 'worker');
    await kiosk.startWorkers();
    return announce(kiosk, input, 'worker');
  },
};
