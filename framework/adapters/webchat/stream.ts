/**
 * Reading a visitor's replies from their Redis stream. `send()` may run in a worker process on
 * another machine; the stream is how its replies reach the process that holds the visitor's
 * event stream, and it doubles as the visitor's recent history, so a page that reconnects
 * with `Last-Event-ID` gets what it missed.
 */
import type { Redis } from 'ioredis';
import type { OutboundMessage } from '../../core/outbound';
import { WEBCHAT_STREAM_FIELD } from './types';

/** One reply read from a visitor's stream. */
export interface StreamedReply {
  /** The stream entry id, e.g. `'1700000000000-0'`: the SSE event id, and what `send()` returned. */
  id: string;
  message: OutboundMessage;
}

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /** How long one `XREAD` blocks before it is issued again. @defaultValue 15000 */
  blockMs?: number;
  /** Most entries read at once. @defaultValue 100 */
  count?: number;
  /** Called once the subscriber is connected, with the concrete id it reads after: from then on no reply is missed. */
  onReady?: (position: string) => void;
}

/** Whether a string is a stream entry id that `XREAD` accepts as a position. */
export function isStreamId(id: string | undefined): id is string {
  return id !== undefined && /^\d{1,20}-\d{1,20}$/.test(id);
}

/**
 * The id of the newest entry of a stream, or `'0-0'` for an empty or missing stream. A
 * subscriber starts from this concrete id rather than `$`: `$` re-read after each `XREAD`
 * timeout would drop a reply written between two reads.
 */
export async function latestStreamId(redis: Redis, key: string): Promise<string> {
  const [last] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  return last?.[0] ?? '0-0';
}

/**
 * Call `onMessage` for every reply added to `key` after `lastId`, in order, until `signal`
 * aborts. Entries already in the stream after `lastId` come first (a resumed page gets what
 * it missed); then it waits for new ones with `XREAD BLOCK`. `lastId` `'$'` means "only new
 * replies". It reads on its own duplicate of `redis`, because a blocking read holds a
 * connection, and closes it when done. Resolves when `signal` aborts; rejects if Redis fails
 * (the caller ends the event stream and the page reconnects with `Last-Event-ID`).
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * req.on('close', () => controller.abort());
 * await subscribe(redis, webchatStreamKey('kiosk', 'taxi', visitor), lastEventId ?? '$', (reply) => write(reply), controller.signal);
 * ```
 */
export async function subscribe(
  redis: Redis,
  key: string,
  lastId: string,
  onMessage: (reply: StreamedReply) => void,
  signal: AbortSignal,
  options: SubscribeOptions = {},
): Promise<void> {
  if (signal.aborted) return;
  const blockMs = options.blockMs ?? 15_000;
  const count = options.count ?? 100;
  // lazyConnect + connect(): a duplicate of a client built with enableOfflineQueue: false
  // would otherwise refuse the first command while it is still connecting.
  const connection = redis.duplicate({ lazyConnect: true });
  // Once only: each ioredis disconnect() arms a 2 s timer that only the socket's 'close'
  // clears, and a second call after the close would keep the process alive for those 2 s.
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    connection.disconnect();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    await connection.connect();
    let position = lastId === '$' ? await latestStreamId(connection, key) : lastId;
    options.onReady?.(position);
    while (!signal.aborted) {
      const result = await connection.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, position);
      for (const [, entries] of result ?? []) {
        for (const [id, fields] of entries) {
          position = id;
          const json = valueOf(fields, WEBCHAT_STREAM_FIELD);
          // Only `send()` writes these streams; an entry without a message is skipped, not fatal.
          if (json !== undefined && !signal.aborted) onMessage({ id, message: JSON.parse(json) as OutboundMessage });
        }
      }
    }
  } catch (error) {
    // Disconnecting is how a pending XREAD is interrupted; its "Connection is closed" is expected.
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
  }
}

/**
 * Replies stored after `afterId` (exclusive), oldest first, at most `count`: the history a
 * page can fetch without holding a connection open.
 */
export async function readReplies(redis: Redis, key: string, afterId = '0-0', count = 200): Promise<StreamedReply[]> {
  const entries = await redis.xrange(key, `(${afterId}`, '+', 'COUNT', count);
  const replies: StreamedReply[] = [];
  for (const [id, fields] of entries) {
    const json = valueOf(fields, WEBCHAT_STREAM_FIELD);
    if (json !== undefined) replies.push({ id, message: JSON.parse(json) as OutboundMessage });
  }
  return replies;
}

function valueOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
