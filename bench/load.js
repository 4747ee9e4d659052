// A small HTTP load generator in its own process (so it does not share the server's event
// loop): posts signed bench updates over keep-alive connections and prints JSON results.
'use strict';
const http = require('node:http');
const { createHmac } = require('node:crypto');

const [url, total, connections, secret, offset = '0'] = process.argv.slice(2);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
let next = 0;
let failed = 0;

function post(i) {
  const body = JSON.stringify({ id: `u${Number(offset) + i}`, chat: `c${i % 1000}`, text: `hello ${i}` });
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  return new Promise((resolve) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-signature': signature } },
      (res) => {
        if (res.statusCode !== 200) failed++;
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end(body);
  });
}

async function main() {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Number(connections) }, async () => {
      while (next < Number(total)) await post(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ seconds, failed }) + '\n');
  agent.destroy();
}
main();
