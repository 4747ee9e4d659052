/**
 * A private redis-server with the append-only file fsynced on every write
 * (`appendfsync always`), so whatever Redis acknowledged survives a SIGKILL: the set-up a
 * deployment needs for "acknowledged means durable" across a Redis crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports';
import { redisAnswers } from '../helpers/redis-server';

/** A durable private Redis a test can kill and start again on the same port. */
export interface DurableRedis {
  readonly url: string;
  /** SIGKILL, as abrupt as a crash; the AOF keeps every acknowledged write. */
  kill(): Promise<void>;
  /** Start again on the same port, replaying the AOF. */
  start(): Promise<void>;
  /** Stop for good and remove the files. */
  dispose(): Promise<void>;
}


/** Start a redis-server from the PATH with `appendonly yes` and `appendfsync always`. */
export async function startDurableRedis(): Promise<DurableRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-fault-redis-'));
  let child: ChildProcess | undefined;
  const redis: DurableRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: 'ignore' });
      for (let i = 0; i < 200; i++) {
        if (await redisAnswers(port)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGKILL');
      await exited;
    },
    async dispose() {
      await redis.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}
