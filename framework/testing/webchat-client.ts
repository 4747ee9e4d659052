/**
 * A web-chat visitor in a test: gets a token, holds the event stream open over plain
 * `node:http`, posts messages to the webhook and collects the replies, exactly as the chat
 * page does in a browser.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { OutboundMessage } from '../core/outbound';

/** What a visitor can send: text, a button press, a shared location, or the page-opened event. */
export type WebchatInput =
  | string
  | { text: string }
  | { button: { data: string; messageId?: string } }
  | { location: { latitude: number; longitude: number } }
  | { event: 'open' };

/** An HTTP answer: status and body (parsed when it is JSON). */
export interface WebchatAnswer {
  status: number;
  body: unknown;
}

/** A reply the visitor received, with its event id. */
export interface ReceivedReply {
  /** The SSE event id (the Redis stream entry id), which a page resumes from. */
  id: string;
  message: OutboundMessage;
}

/** Options of `openWebchat`. */
export interface OpenWebchatOptions {
  /** Resume as this visitor (their token is renewed) instead of a new one. */
  token?: string;
  /** Resume after this event id: replies after it are replayed. @defaultValue only new replies */
  lastEventId?: string;
  /** Sent as `locale` with every message. */
  locale?: string;
  /** How long to wait for the session and the stream to open. @defaultValue 5000 */
  timeoutMs?: number;
}

/** A connected visitor. */
export interface WebchatClient {
  /** The visitor's id (`chat.id` of their updates). */
  readonly visitor: string;
  /** The visitor's token. */
  readonly token: string;
  /** Every reply received so far, in order. */
  readonly messages: readonly OutboundMessage[];
  /** Every reply received so far with its event id. */
  readonly replies: readonly ReceivedReply[];
  /** The id of the last event received (the position to resume from). */
  readonly lastEventId: string | undefined;
  /**
   * Post a message to `POST /webhooks/:bot/webchat`. `id` is the message id the webhook
   * de-duplicates on; pass the same id twice to simulate a retried POST.
   * @defaultValue a fresh id
   */
  send(input: WebchatInput, id?: string): Promise<WebchatAnswer>;
  /** The next reply not yet returned by `nextMessage`, waiting for it up to `timeoutMs` (default 5000). */
  nextMessage(timeoutMs?: number): Promise<OutboundMessage>;
  /** Close the event stream. */
  close(): void;
}

/**
 * Open a web chat as a new visitor of `bot` on a running Kiosk app. Resolves once the event
 * stream is open, so no reply sent afterwards can be missed.
 *
 * @example
 * ```ts
 * const visitor = await openWebchat('http://127.0.0.1:3000', 'taxi');
 * await visitor.send('/taxi');
 * expect((await visitor.nextMessage()).text).toBe('Where to?');
 * await visitor.send({ button: { data: 'dest:home' } });
 * visitor.close();
 * ```
 */
export async function openWebchat(baseUrl: string, bot: string, options: OpenWebchatOptions = {}): Promise<WebchatClient> {
  const base = baseUrl.replace(/\/+$/, '');
  const botPath = encodeURIComponent(bot);
  const timeoutMs = options.timeoutMs ?? 5000;
  const session = await request('POST', `${base}/webchat/${botPath}/session`, { 'content-type': 'application/json' }, JSON.stringify(options.token ? { token: options.token } : {}));
  if (session.status !== 201 || !isSession(session.body)) {
    throw new Error(`POST /webchat/${bot}/session answered ${session.status}: ${JSON.stringify(session.body)}`);
  }
  const { token, visitor } = session.body;

  const replies: ReceivedReply[] = [];
  const messages: OutboundMessage[] = [];
  const waiters: Array<() => void> = [];
  let consumed = 0;
  let lastEventId = options.lastEventId;
  let closed = false;

  const url = new URL(`${base}/webchat/${botPath}/events`);
  url.searchParams.set('token', token);
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;

  const stream = await new Promise<http.ClientRequest>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The web-chat event stream did not open within ${timeoutMs} ms`)), timeoutMs);
    const req = transport(url).get(url, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        res.resume();
        reject(new Error(`GET /webchat/${bot}/events answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk.replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.id !== undefined) lastEventId = event.id;
          if (event.type === 'ready') {
            clearTimeout(timer);
            resolve(req);
          } else if (event.type === 'message' && event.data !== undefined && event.id !== undefined) {
            const message = JSON.parse(event.data) as OutboundMessage;
            replies.push({ id: event.id, message });
            messages.push(message);
            waiters.splice(0).forEach((wake) => wake());
          }
        }
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (!closed) reject(error);
    });
  });

  return {
    visitor,
    token,
    messages,
    replies,
    get lastEventId() {
      return lastEventId;
    },
    async send(input, id) {
      const body = { id: id ?? `t-${randomBytes(8).toString('hex')}`, ...(typeof input === 'string' ? { text: input } : input), ...(options.locale ? { locale: options.locale } : {}) };
      return request('POST', `${base}/webhooks/${botPath}/webchat`, { 'content-type': 'application/json', authorization: `Bearer ${token}` }, JSON.stringify(body));
    },
    async nextMessage(waitMs = 5000) {
      const deadline = Date.now() + waitMs;
      while (consumed >= messages.length) {
        const left = deadline - Date.now();
        if (left <= 0 || closed) throw new Error(`No web-chat reply within ${waitMs} ms; received so far: ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages[consumed++]!;
    },
    close() {
      closed = true;
      stream.destroy();
      waiters.splice(0).forEach((wake) => wake());
    },
  };
}

interface SessionBody {
  token: string;
  visitor: string;
}

function isSession(body: unknown): body is SessionBody {
  return typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string' && 'visitor' in body && typeof body.visitor === 'string';
}

function transport(url: URL): typeof http | typeof https {
  return url.protocol === 'https:' ? https : http;
}

/** One Server-Sent Event's fields (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation). */
function parseEvent(block: string): { type: string; id?: string; data?: string } {
  const event: { type: string; id?: string; data?: string } = { type: 'message' };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.type = value;
    else if (field === 'id') event.id = value;
    else if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
  }
  return event;
}

function request(method: string, target: string, headers: Record<string, string>, body: string): Promise<WebchatAnswer> {
  const url = new URL(target);
  return new Promise((resolve, reject) => {
    const req = transport(url).request(url, { method, agent: false, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON: the body is returned as text.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
