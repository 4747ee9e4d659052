/** `kiosk start`: webhooks and workers in one process, for one machine or development. */
import type { CliCommand } from '../command';
import { announce, buildKiosk, listen, listenAddress, WEB_OPTIONS, WORKER_OPTIONS } from '../serve';

/** `kiosk start`. */
export const startCommand: CliCommand = {
  words: ['start'],
  summary: 'Serve webhooks and run the workers in one process',
  description:
    'Handy on one machine. To grow, run `kiosk web` and `kiosk worker` processes instead, as many\n' +
    'of each as needed, against the same Redis: every update is handled once, in order per chat.',
  options: { ...WEB_OPTIONS, ...WORKER_OPTIONS },
  examples: ['REDIS_URL=redis://127.0.0.1:6379 kiosk start --port 3000'],
  async run(input) {
    const address = listenAddress(input, 'start');
    const kiosk = await buildKiosk(input, 'start');
    await kiosk.startWorkers();
    const base = await listen(kiosk, address);
    return announce(kiosk, input, 'start', base);
  },
};
