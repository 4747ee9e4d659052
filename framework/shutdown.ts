/**
 * Graceful shutdown for a Kiosk process: on SIGTERM or SIGINT, stop accepting webhooks, let
 * workers finish the updates and jobs they hold (BullMQ's `worker.close()` waits for them),
 * deliver what they sent, close connections, exit 0. A second signal exits at once; jobs then
 * left active are recovered by BullMQ's stalled-job check in another process.
 */
import type { Kiosk } from './kiosk';

/**
 * Stop `kiosk` cleanly when the process is asked to.
 *
 * @example
 * ```ts
 * const kiosk = createKiosk({ config, bots, jobs });
 * await kiosk.startWorkers();
 * stopOnSignals(kiosk);
 * ```
 */
export function stopOnSignals(kiosk: Pick<Kiosk, 'close' | 'logger'>, options: { exit?: (code: number) => void; before?: () => Promise<void> | void } = {}): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      kiosk.logger.warn({ signal }, 'second signal: exiting without waiting');
      return exit(1);
    }
    stopping = true;
    kiosk.logger.info({ signal }, 'stopping: finishing the work in hand');
    Promise.resolve(options.before?.())
      .then(() => kiosk.close())
      .then(
        () => exit(0),
        (error: unknown) => {
          kiosk.logger.error({ err: error instanceof Error ? error.name : 'Error' }, 'error while stopping');
          exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
