/**
 * What `kiosk start`, `kiosk web` and `kiosk worker` share: build the deployment from the
 * application module, serve and/or work, and stop gracefully on SIGTERM or SIGINT (the work in
 * hand is finished; a process killed outright leaves stalled jobs that another worker takes).
 *
 * The runtime is required when a command runs, not when the CLI starts: loading it (express,
 * BullMQ, the adapters) takes seconds, which `kiosk --help` and a mistyped option should not pay.
 */
import type { Kiosk, KioskOptions } from '../kiosk';
import { UsageError, type CommandInput, type CliOption } from './command';

/** Options of the commands that serve HTTP. */
export const WEB_OPTIONS: Readonly<Record<string, CliOption>> = {
  port: { type: 'string', value: '<port>', description: 'Port to listen on (0: any free port). Default: $PORT, else the configured port (3000)' },
  host: { type: 'string', value: '<host>', description: 'Interface to listen on. Default: $HOST, else 0.0.0.0 (every interface)' },
};

/** Options of the commands that run workers. */
export const WORKER_OPTIONS: Readonly<Record<string, CliOption>> = {
  concurrency: { type: 'string', value: '<n>', description: "Jobs of each kind this process runs at once. Default: each job's own (5)" },
};

/** A whole number from an option, or a usage error naming it. */
export function integerOption(input: CommandInput, name: string, command: string, min: number, max: number): number | undefined {
  const raw = input.options[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`, command);
  }
  return value;
}

/** Build the deployment with what the command line adds to the application's options. */
export async function buildKiosk(input: CommandInput, command: string): Promise<Kiosk> {
  const { createKiosk } = require('../kiosk') as typeof import('../kiosk');
  const options: KioskOptions = await input.loadApp();
  const concurrency = integerOption(input, 'concurrency', command, 1, 10_000);
  return createKiosk(concurrency === undefined ? options : { ...options, jobWorkers: { ...options.jobWorkers, concurrency } });
}

/** Where to listen, from the command line or the environment; checked before anything starts. */
export interface ListenAddress {
  /** `undefined`: the configured port. */
  port: number | undefined;
  host: string;
}

/** Read `--port` and `--host` (or `HOST`); a bad value is a usage error. */
export function listenAddress(input: CommandInput, command: string): ListenAddress {
  const port = integerOption(input, 'port', command, 0, 65_535);
  const host = typeof input.options.host === 'string' ? input.options.host : input.io.env.HOST || '0.0.0.0';
  return { port, host };
}

/** Listen; resolves to the base URL. A port in use closes the deployment and says what to do. */
export async function listen(kiosk: Kiosk, address: ListenAddress): Promise<string> {
  const port = address.port ?? kiosk.config.port;
  try {
    return await kiosk.listen(port, address.host);
  } catch (error) {
    await kiosk.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot listen on ${address.host}:${port} (${reason}); choose another with --port or PORT.`, { cause: error });
  }
}

/** Print where the webhooks are, and stop cleanly on a signal. */
export function announce(kiosk: Kiosk, input: CommandInput, what: string, base?: string): 'running' {
  input.io.out(`kiosk ${what}${base ? `: listening on ${base}` : ''} (pid ${process.pid}); SIGTERM or Ctrl+C stops it gracefully.`);
  if (base) {
    const publicBase = kiosk.config.publicUrl ?? base;
    for (const hook of kiosk.webhookUrls(publicBase)) input.io.out(`  webhook ${hook.bot}/${hook.platform}: ${hook.url}`);
  }
  const { stopOnSignals } = require('../shutdown') as typeof import('../shutdown');
  stopOnSignals(kiosk);
  return 'running';
}
