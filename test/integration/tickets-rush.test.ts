/**
 * A rush on the last seats, end to end: a hundred web-chat customers buy one seat each of
 * a showing with thirty, all at once, through Kiosk's webhooks, inbound partitions, flows and
 * two Kiosk instances' workers, each with its own store connection. Exactly thirty are held and
 * paid; everyone else is told it is sold out. (The web chat, because Telegram's 30 messages a
 * second, which delivery respects, would make the test a minute long.)
 */
import { join } from 'node:path';
import { createTicketsBot, createTicketStore, type TicketStore } from '../../bots/tickets';
import { createKiosk, createLogger, createTemplates, openWebchat, webchat, type Kiosk, type OutboundMessage, type Redis, type WebchatClient } from '../../framework/index';
import { createTicketsJobs } from '../../workers/tickets/jobs';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { connect, uniquePrefix } from '../helpers/redis';

const CUSTOMERS = 100;
const SEATS = 30;

describe('tickets rush through Kiosk', () => {
  const prefix = uniquePrefix();
  const kiosks: Kiosk[] = [];
  const connections: Redis[] = [];
  const visitors: WebchatClient[] = [];
  let store: TicketStore;
  let base: string;

  beforeAll(async () => {
    const config = testConfig(prefix, { tickets: { webchat: { secret: 'dev-only-webchat-secret-0123456789' } } }, { inboundPartitions: 8 });
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    for (let i = 0; i < 2; i++) {
      const redis = connect();
      connections.push(redis);
      const own = createTicketStore({ redis, prefix: `${prefix}:tickets` });
      if (i === 0) store = own;
      kiosks.push(createKiosk({ config, bots: [createTicketsBot({ store: own })], adapters: [webchat], jobs: createTicketsJobs({ store: own }), render: templates.render, logger: createLogger({ level: 'silent' }) }));
    }
    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    await store.seed([{ id: 'gig', title: 'Last Gig', venue: 'Hall', price: 20, currency: 'EUR', showings: [{ id: 'gig-1', startsAt, capacity: SEATS }] }]);
    await Promise.all(kiosks.map((k) => k.startWorkers()));
    base = await kiosks[0]!.listen(0);
  });

  afterAll(async () => {
    for (const visitor of visitors) visitor.close();
    await Promise.all(kiosks.map((k) => k.close()));
    for (const redis of connections) redis.disconnect();
    await dropPrefix(prefix);
  });

  test(`${CUSTOMERS} customers buying one seat each of the last ${SEATS} at once: exactly ${SEATS} are held and sold`, async () => {
    for (let i = 0; i < CUSTOMERS; i++) visitors.push(await openWebchat(base, 'tickets'));
    const buttonOf = (message: OutboundMessage, prefixOf: string) => message.buttons?.flat().find((b) => 'data' in b && b.data.startsWith(prefixOf));
    const dataOf = (message: OutboundMessage, prefixOf: string) => {
      const button = buttonOf(message, prefixOf);
      return button && 'data' in button ? button.data : undefined;
    };

    const started = Date.now();
    const outcomes = await Promise.all(
      visitors.map(async (visitor) => {
        await visitor.send('/tickets');
        await visitor.nextMessage(20_000);
        await visitor.send({ button: { data: 'tickets:event:gig' } });
        const dates = await visitor.nextMessage(20_000);
        // A customer who sees the date list after the seats ran out has no date to press.
        if (!dataOf(dates, 'tickets:date:')) return 'sold-out-early';
        await visitor.send({ button: { data: 'tickets:date:gig-1' } });
        const question = await visitor.nextMessage(20_000);
        if (!/How many seats\?/.test(question.text ?? '')) return 'sold-out';
        await visitor.send('1');
        const held = await visitor.nextMessage(20_000);
        const pay = dataOf(held, 'tickets:pay:');
        if (!pay) return /sold out/.test(held.text ?? '') ? 'sold-out' : `other: ${held.text}`;
        await visitor.send({ button: { data: pay } });
        const ticket = await visitor.nextMessage(20_000);
        return /^Ticket [0-9A-Z]{10}: 1 seat,/.test(ticket.text ?? '') && ticket.card?.title === 'Last Gig' ? 'ticket' : `other: ${ticket.text}`;
      }),
    );
    const elapsed = Date.now() - started;

    expect(outcomes.filter((o) => o.startsWith('other'))).toEqual([]);
    expect(outcomes.filter((o) => o === 'ticket')).toHaveLength(SEATS);
    expect(await store.stock('gig-1')).toMatchObject({ capacity: SEATS, held: 0, sold: SEATS, available: 0 });
    // For the report: the whole rush, webhooks to tickets.
    console.log(`tickets rush: ${CUSTOMERS} web-chat customers, ${SEATS} seats, ${outcomes.filter((o) => o === 'ticket').length} tickets, ${elapsed} ms`);
  }, 60_000);
});
