/**
 * Filter queries: short strings that select updates and narrow the context's type, in the
 * manner of grammY's `bot.on('message:text')`. After `on('message:text')`, `ctx.text` is a
 * `string` and `ctx.message.text` needs no `!`.
 */
import type { ButtonPress, Command, Location, Media, Message, PlatformEvent, Update } from './update';

/** Fields of an update or context once a query has matched, by query. */
interface Narrowings {
  message: { kind: 'message'; message: Message };
  'message:text': { kind: 'message'; message: Message & { text: string } };
  'message:command': { kind: 'message'; message: Message & { text: string; command: Command } };
  'message:location': { kind: 'message'; message: Message & { location: Location } };
  'message:media': { kind: 'message'; message: Message & { media: Media[] } };
  'message:edited': { kind: 'message'; message: Message & { edited: true } };
  button: { kind: 'button'; button: ButtonPress };
  event: { kind: 'event'; event: PlatformEvent };
}

/** A query understood by `on`: a kind, a kind with a field, or `event:<type>`. */
export type FilterQuery = keyof Narrowings | `event:${string}`;

/** The update fields a query guarantees. */
export type NarrowedUpdate<Q extends FilterQuery> = Q extends keyof Narrowings
  ? Narrowings[Q]
  : Q extends `event:${infer T}`
    ? { kind: 'event'; event: PlatformEvent & { type: T } }
    : never;

type Shortcuts<N> = (N extends { message: infer M } ? { message: M } : unknown) &
  (N extends { message: { text: string } } ? { text: string } : unknown) &
  (N extends { message: { location: Location } } ? { location: Location } : unknown) &
  (N extends { button: infer B } ? { button: B } : unknown) &
  (N extends { event: infer E } ? { event: E } : unknown);

/** A context type narrowed by a filter query: what `on(query, ctx => …)` hands its middleware. */
export type Filter<C extends { update: Update }, Q extends FilterQuery> = Q extends FilterQuery
  ? C & { update: Update & NarrowedUpdate<Q> } & Shortcuts<NarrowedUpdate<Q>>
  : never;

const KNOWN: ReadonlySet<string> = new Set<keyof Narrowings>([
  'message',
  'message:text',
  'message:command',
  'message:location',
  'message:media',
  'message:edited',
  'button',
  'event',
]);

/** Whether a string is a valid filter query. */
export function isFilterQuery(query: string): query is FilterQuery {
  return KNOWN.has(query) || /^event:[A-Za-z0-9_.-]+$/.test(query);
}

/** Build the predicate for one filter query. Throws on an unknown query, saying which are valid. */
export function matchFilter(query: FilterQuery): (update: Update) => boolean {
  if (!isFilterQuery(query)) {
    throw new Error(
      `Unknown filter query "${String(query)}". Use one of ${[...KNOWN].join(', ')} or "event:<type>".`,
    );
  }
  switch (query) {
    case 'message':
      return (u) => u.kind === 'message' && u.message !== undefined;
    case 'message:text':
      return (u) => u.kind === 'message' && typeof u.message?.text === 'string';
    case 'message:command':
      return (u) => u.kind === 'message' && u.message?.command !== undefined;
    case 'message:location':
      return (u) => u.kind === 'message' && u.message?.location !== undefined;
    case 'message:media':
      return (u) => u.kind === 'message' && (u.message?.media?.length ?? 0) > 0;
    case 'message:edited':
      return (u) => u.kind === 'message' && u.message?.edited === true;
    case 'button':
      return (u) => u.kind === 'button' && u.button !== undefined;
    case 'event':
      return (u) => u.kind === 'event' && u.event !== undefined;
    default: {
      const type = query.slice('event:'.length);
      return (u) => u.kind === 'event' && u.event?.type === type;
    }
  }
}
