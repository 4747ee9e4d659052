/**
 * The catalogue of what is on sale: events (a film, a concert, a train line) with their
 * dated showings (a screening, a departure), each with a price and a number of seats.
 * Parsed with zod at the edge, so the store trusts it.
 */
import { z } from '../../framework/index';

const id = z.string().regex(/^[a-z0-9-]{1,24}$/, 'use 1 to 24 lower-case letters, digits or "-"');

/** One dated showing of an event: a screening, a departure. */
export const showingSchema = z.object({
  /** Unique across the catalogue; it names the showing's keys in Redis. */
  id,
  /** When it starts (ISO 8601 with a time zone); sales and refunds close then. */
  startsAt: z.iso.datetime({ offset: true }),
  /** Seats on sale. */
  capacity: z.number().int().min(0).max(1_000_000),
});

/** An event and its showings. */
export const eventSchema = z.object({
  id,
  title: z.string().trim().min(1).max(80),
  /** Where it takes place or departs from, shown under the title. */
  venue: z.string().trim().min(1).max(80),
  /** Price of one seat, in major units (12.5 is €12.50). */
  price: z.number().nonnegative(),
  /** ISO 4217 currency code. */
  currency: z.string().regex(/^[A-Z]{3}$/),
  showings: z.array(showingSchema).min(1).max(20),
});

/** A catalogue: the events on sale. */
export const catalogueSchema = z.array(eventSchema).min(1).max(50).superRefine((events, check) => {
  const seen = new Set<string>();
  for (const [e, event] of events.entries()) {
    for (const [s, showing] of event.showings.entries()) {
      if (seen.has(showing.id)) check.addIssue({ code: 'custom', message: `showing id "${showing.id}" is used twice; give each showing its own id`, path: [e, 'showings', s, 'id'] });
      seen.add(showing.id);
    }
  }
});

/** One dated showing of an event. */
export type Showing = z.infer<typeof showingSchema>;
/** An event and its showings. */
export type TicketEvent = z.infer<typeof eventSchema>;

/**
 * The catalogue the demo sells: a film and a train line, each on the next few days, dated
 * from `now` so the demo always has something to sell.
 *
 * @example
 * ```ts
 * await store.seed(demoCatalogue());
 * ```
 */
export function demoCatalogue(now = Date.now()): TicketEvent[] {
  const day = (offset: number, hour: number) => {
    const date = new Date(now);
    date.setUTCDate(date.getUTCDate() + offset);
    date.setUTCHours(hour, 0, 0, 0);
    return date.toISOString();
  };
  return [
    {
      id: 'lighthouse',
      title: 'The Lighthouse',
      venue: 'Kiosk Cinema, Screen 1',
      price: 12.5,
      currency: 'EUR',
      showings: [
        { id: 'lighthouse-d1', startsAt: day(1, 19), capacity: 120 },
        { id: 'lighthouse-d2', startsAt: day(2, 19), capacity: 120 },
        { id: 'lighthouse-d3', startsAt: day(3, 21), capacity: 80 },
      ],
    },
    {
      id: 'paris-lyon',
      title: 'Paris → Lyon',
      venue: 'Paris Gare de Lyon',
      price: 39,
      currency: 'EUR',
      showings: [
        { id: 'paris-lyon-d1', startsAt: day(1, 8), capacity: 300 },
        { id: 'paris-lyon-d2', startsAt: day(2, 8), capacity: 300 },
      ],
    },
  ];
}
