/**
 * A rush on the last seats, straight at the ticket store: `npx tsx bench/oversell.ts
 * [attempts] [seats] [connections]` (REDIS_URL or 127.0.0.1:6379). Fires every hold attempt
 * at once over several Redis connections, checks that exactly `seats` succeeded, then pays
 * them all, and prints holds and payments per second. Keys go under a random prefix and are
 * removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createTicketStore } from '../bots/tickets';
import { Redis } from '../framework/index';
import { machine } from './machine';

const ATTEMPTS = Number(process.argv[2] ?? 10_000);
const SEATS = Number(process.argv[3] ?? 1_000);
const CONNECTIONS = Number(process.argv[4] ?? 4);

async function main() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench-oversell-${randomBytes(4).toString('hex')}`;
  const connections = Array.from({ length: CONNECTIONS }, () => new Redis(url));
  const stores = connections.map((redis) => createTicketStore({ redis, prefix }));
  const store = stores[0]!;
  try {
    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    await store.seed([{ id: 'rush', title: 'Rush', venue: 'Bench', price: 10, currency: 'EUR', showings: [{ id: 'rush-1', startsAt, capacity: SEATS }] }]);

    let started = performance.now();
    const results = await Promise.all(Array.from({ length: ATTEMPTS }, (_, i) => stores[i % CONNECTIONS]!.hold('rush-1', 1, { owner: `c${i}`, holdMs: 60_000 })));
    const holdMs = performance.now() - started;
    const held = results.flatMap((r) => (r.ok ? [r.hold] : []));

    started = performance.now();
    const paid = await Promise.all(held.map((hold, i) => stores[i % CONNECTIONS]!.pay(hold.id, { owner: `c${i}` })));
    const payMs = performance.now() - started;
    const stock = await store.stock('rush-1');

    console.log(machine());
    console.log(`${ATTEMPTS} hold attempts of 1 seat against ${SEATS} seats over ${CONNECTIONS} connections`);
    console.log(`  held: ${held.length} (expected ${Math.min(ATTEMPTS, SEATS)}), refused: ${results.length - held.length}`);
    console.log(`  holds:    ${Math.round(ATTEMPTS / (holdMs / 1000))} attempts/s (${holdMs.toFixed(0)} ms)`);
    console.log(`  payments: ${Math.round(held.length / (payMs / 1000))} /s (${payMs.toFixed(0)} ms), paid ${paid.filter((p) => p.ok).length}`);
    console.log(`  stock after: ${JSON.stringify(stock)}`);
    if (held.length !== Math.min(ATTEMPTS, SEATS) || stock?.sold !== held.length) process.exitCode = 1;
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await connections[0]!.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await connections[0]!.del(...keys);
    } while (cursor !== '0');
    for (const redis of connections) redis.disconnect();
  }
}

main().catch((error) => {
  console.error(`bench/oversell: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
