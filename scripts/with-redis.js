#!/usr/bin/env node
// Runs a command with a Redis it can use: REDIS_URL when set, otherwise a private
// redis-server from the PATH on a free port, without persistence, stopped on exit.
// Production never goes through this script: it is given REDIS_URL.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const INSTALL_HINT =
  'kiosk: no Redis. Set REDIS_URL, or install redis-server (Debian: apt-get install redis-server; macOS: brew install redis).';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => { socket.destroy(); resolve(d.toString().startsWith('+PONG')); });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => { socket.destroy(); resolve(false); });
  });
}

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; i < 100; i++) {
    if (await ping(port)) return { port, child, dir };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port} within 5 s`);
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.length === 0) {
    console.error('usage: with-redis.js <command> [args...]');
    process.exit(2);
  }
  let redis;
  const env = { ...process.env };
  if (!env.REDIS_URL) {
    if (!hasRedisServer()) {
      console.error(INSTALL_HINT);
      process.exit(1);
    }
    redis = await startRedis();
    env.REDIS_URL = `redis://127.0.0.1:${redis.port}`;
    console.error(`kiosk: started a private redis-server at ${env.REDIS_URL} (no persistence; stopped on exit)`);
  }
  const stop = () => {
    if (redis) {
      redis.child.kill('SIGTERM');
      fs.rmSync(redis.dir, { recursive: true, force: true });
      redis = undefined;
    }
  };
  const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env, shell: process.platform === 'win32' });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    stop();
    process.exit(code ?? (signal ? 1 : 0));
  });
}

main().catch((err) => {
  console.error(`kiosk: ${err.message}`);
  process.exit(1);
});
