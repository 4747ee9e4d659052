/** Ports for tests that need a server of their own, or a connection refused. */
import { createServer } from 'node:net';

/**
 * A port of 127.0.0.1 that was free a moment ago and that nothing listens on now: start a
 * server of your own on it, or point a client at `http://127.0.0.1:<port>` to see a refused
 * connection, as when a platform's API is unreachable.
 *
 * @example
 * ```ts
 * const offline = telegram.create(telegram.settings.parse({ ..., apiRoot: `http://127.0.0.1:${await freePort()}` }), environment);
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
