/**
 * What the fake platform servers (fake-telegram, fake-wechat, fake-whatsapp, fake-line) share:
 * a node:http server on a free port of 127.0.0.1, reading a request's body, and waiting for
 * the messages a fake records. Each fake keeps its own routes, answers and error bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running loopback server, as `startLoopbackServer` returns it. */
export interface LoopbackServer {
  readonly server: Server;
  /** The port the system chose. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`, the base URL to give a client. */
  readonly origin: string;
  /** Stop the server and drop open connections. */
  close(): Promise<void>;
}

/**
 * Start an HTTP server on a random free port of 127.0.0.1 that runs `handle` for each request.
 * When `handle` throws or rejects before answering, `onFailure` answers instead (each fake
 * with its platform's 500 body), so a bug in a fake shows as a 500, never as a hung client.
 *
 * @example
 * ```ts
 * const loopback = await startLoopbackServer(handle, (response, error) =>
 *   response.writeHead(500, { 'content-type': 'text/plain' }).end(`fake failed: ${String(error)}`),
 * );
 * fetch(`${loopback.origin}/ping`);
 * await loopback.close();
 * ```
 */
export async function startLoopbackServer(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  onFailure: (response: ServerResponse, error: unknown) => void,
): Promise<LoopbackServer> {
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) onFailure(response, error);
    });
  });
  // Never close an idle keep-alive connection first: on a loaded machine a client may pick it
  // just as the server drops it, and the request fails with ECONNRESET, which no platform does.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Node 20's global agent keeps connections alive; without this close() waits for them.
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The whole body of a request.
 *
 * @example
 * ```ts
 * const body = JSON.parse((await readRequestBody(request)).toString('utf8'));
 * ```
 */
export async function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Options of `watchSent`. */
export interface WatchSentOptions<S> {
  /** The platform as it appears in timeout errors, e.g. `'Telegram'` gives "Fake Telegram: …". */
  name: string;
  /** One sent message in a timeout error's "Sent so far" list, e.g. `sendMessage to 42: "hi"`. */
  describe: (message: S) => string;
  /** How long `waitFor` waits when not told. @defaultValue 5000 */
  defaultTimeoutMs?: number;
}

/** Waiting on a fake's log of sent messages, as `watchSent` returns it. */
export interface SentWatcher<S> {
  /** Re-run the pending waits; call after each request the fake answered. */
  notify(): void;
  /**
   * Resolve with the first value `check` returns other than `undefined`, checking now and at
   * each `notify()`; reject after `timeoutMs` with `what` and a summary of what was sent.
   */
  waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T>;
  /** Resolve with a copy of the log once it holds at least `count` messages. */
  waitFor(count: number, timeoutMs?: number): Promise<S[]>;
  /** Resolve with the first logged message (already there or still to come) that matches. */
  waitFor(predicate: (message: S) => boolean, timeoutMs?: number): Promise<S>;
}

/**
 * Let tests wait on `sent`, the array a fake pushes the messages it accepted to. On timeout
 * the error names the platform, what was awaited and every message sent so far, so a failing
 * test says what the bot did instead.
 *
 * @example
 * ```ts
 * const sent: FakeLineSent[] = [];
 * const watcher = watchSent(sent, { name: 'LINE', describe: (m) => `${m.type} to ${m.to}` });
 * // in the request handler, after answering:
 * watcher.notify();
 * // in the fake's API:
 * const reply = await watcher.waitFor((m) => m.to === 'U1');
 * ```
 */
export function watchSent<S>(sent: readonly S[], options: WatchSentOptions<S>): SentWatcher<S> {
  const waiters = new Set<() => boolean>();
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 5000;

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const attempt = (): boolean => {
        const value = check();
        if (value === undefined) return false;
        if (timer) clearTimeout(timer);
        waiters.delete(attempt);
        resolve(value);
        return true;
      };
      if (attempt()) return;
      waiters.add(attempt);
      timer = setTimeout(() => {
        waiters.delete(attempt);
        const so = sent.map(options.describe).join('; ') || 'nothing';
        reject(new Error(`Fake ${options.name}: no ${what} within ${timeoutMs} ms. Sent so far: ${so}.`));
      }, timeoutMs);
    });

  function waitFor(count: number, timeoutMs?: number): Promise<S[]>;
  function waitFor(predicate: (message: S) => boolean, timeoutMs?: number): Promise<S>;
  function waitFor(target: number | ((message: S) => boolean), timeoutMs = defaultTimeoutMs): Promise<S[] | S> {
    if (typeof target === 'number') return waitUntil(() => (sent.length >= target ? [...sent] : undefined), timeoutMs, `${target} sent messages`);
    return waitUntil(() => sent.find(target), timeoutMs, 'sent message matching the predicate');
  }

  return {
    notify() {
      for (const waiter of [...waiters]) waiter();
    },
    waitUntil,
    waitFor,
  };
}
