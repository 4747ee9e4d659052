// A load generator in its own process (so it does not share the server's event loop) that
// replays prepared requests over keep-alive connections and measures each one's latency.
//
//   node bench/load-requests.js <base-url> <requests.jsonl> <connections>
//
// Each line of the file is {"path": "/webhooks/…?…", "headers": {...}, "body": "…"}; the body
// is sent as is (UTF-8). Prints one line of JSON: seconds, requests, failed (non-2xx or
// errors), statuses seen, and latency percentiles in milliseconds.
'use strict';
const http = require('node:http');
const fs = require('node:fs');

const [base, file, connectionsArg] = process.argv.slice(2);
const connections = Number(connectionsArg);
const target = new URL(base);
const requests = fs
  .readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const r = JSON.parse(line);
    const body = Buffer.from(r.body, 'utf8');
    return { path: r.path, body, headers: { ...r.headers, 'content-length': body.length } };
  });
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = new Float64Array(requests.length);
const statuses = {};
let next = 0;
let failed = 0;

function send(i) {
  const r = requests[i];
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request({ host: target.hostname, port: target.port, path: r.path, method: 'POST', agent, headers: r.headers }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies[i] = Number(process.hrtime.bigint() - started) / 1e6;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode < 200 || res.statusCode > 299) failed++;
        resolve();
      });
    });
    req.on('error', () => {
      failed++;
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    req.end(r.body);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < requests.length) await send(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const round = (x) => Math.round(x * 100) / 100;
  process.stdout.write(
    JSON.stringify({ seconds, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, requests: requests.length, failed, statuses, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1]) }) + '\n',
  );
  agent.destroy();
}
main();
