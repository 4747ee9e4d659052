/** `kiosk web`: the HTTP side only: webhooks queued durably, health, web chat. */
import type { CliCommand } from '../command';
import { announce, buildKiosk, listen, listenAddress, WEB_OPTIONS } from '../serve';

/** `kiosk web`. */
export const webCommand: CliCommand = {
  words: ['web'],
  summary: 'Serve webhooks, health checks and the web chat (no workers)',
  description:
    'Each webhook is acknowledged once its updates are in Redis; `kiosk worker` processes handle\n' +
    'them. Run as many behind a load balancer as the traffic needs.',
  options: WEB_OPTIONS,
  examples: ['PORT=8080 kiosk web', 'kiosk web --app ./my-app.ts --host 127.0.0.1 --port 0'],
  async run(input) {
    const address = listenAddress(input, 'web');
    const kiosk = await buildKiosk(input, 'web');
    const base = await listen(kiosk, address);
    return announce(kiosk, input, 'web', base);
  },
};
