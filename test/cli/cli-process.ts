/**
 * Running the `kiosk` command as the tests' child processes, exactly as a user would:
 * `node bin/kiosk.js …` with the environment as configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The executable under test. */
export const KIOSK_BIN = join(__dirname, '../../bin/kiosk.js');
/** The repository root, where `kiosk.app.ts` is. */
export const REPO_ROOT = join(__dirname, '../..');

/** What a finished command printed and how it exited. */
export interface KioskRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const childEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, KIOSK_LOG_LEVEL: 'warn', ...env });

/** Run `kiosk <args>` to the end. */
export function runKiosk(args: string[], env: Record<string, string> = {}, timeoutMs = 25_000): Promise<KioskRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIOSK_BIN, ...args], { cwd: REPO_ROOT, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kiosk ${args.join(' ')} did not finish within ${timeoutMs} ms. stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `kiosk web`, `worker` or `start` process that keeps running. */
export interface KioskProcess {
  readonly child: ChildProcess;
  /** The base URL it listens on, for `web` and `start`. */
  readonly base: string | undefined;
  /** Everything printed so far. */
  output(): string;
  /** Send a signal and resolve with the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Start a long-running `kiosk <args>` and resolve once it says it is serving or working. */
export function startKiosk(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<KioskProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIOSK_BIN, ...args], { cwd: REPO_ROOT, env: childEnv(env) });
    let output = '';
    let ready = false;
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kiosk ${args.join(' ')} was not ready within ${timeoutMs} ms. Output: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = /kiosk (?:web|worker|start)(?:: listening on (\S+))? \(pid \d+\)/.exec(output);
      if (!ready && line) {
        ready = true;
        clearTimeout(timer);
        resolve({
          child,
          base: line[1],
          output: () => output,
          async stop(signal = 'SIGTERM', stopTimeoutMs = 15_000) {
            if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
            child.kill(signal);
            const late = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
            const code = await exited;
            clearTimeout(late);
            return code;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`kiosk ${args.join(' ')} exited with ${code} before it was ready. Output: ${output}`));
    });
  });
}
