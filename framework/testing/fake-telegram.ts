/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that answers the methods a Kiosk
 * bot calls the way Telegram does, records every call, and fails on demand (429 with
 * `retry_after`, 5xx, 403…). Point a bot's `apiRoot` at `fake.apiRoot` in tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readRequestBody, startLoopbackServer, watchSent } from './fake-server';

/** Options of `startFakeTelegram`. */
export interface FakeTelegramOptions {
  /** Only these tokens are accepted; others get 401. @defaultValue any token of Telegram's format `<digits>:<chars>` */
  tokens?: string[];
  /** The username `getMe` reports. @defaultValue `'kiosk_test_bot'` */
  botUsername?: string;
}

/** A file uploaded in a multipart request, as recorded (the bytes are not kept). */
export interface FakeTelegramUpload {
  filename: string;
  size: number;
}

/** One request to the fake, successful or not. */
export interface FakeTelegramCall {
  /** The Bot API method, e.g. `'sendMessage'`. */
  method: string;
  token: string;
  /** Parameters from the query string and the body (JSON, form or multipart), as sent. */
  params: Record<string, unknown>;
  /** `Date.now()` when the call arrived. */
  at: number;
  /** The HTTP status the fake answered with. */
  status: number;
}

/** An inline keyboard as a client sent it (other keyboards keep their own fields). */
export interface FakeTelegramReplyMarkup {
  inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>>;
  [field: string]: unknown;
}

/** A message the fake accepted through a sendXxx method. */
export interface FakeTelegramSent {
  method: string;
  token: string;
  /** The target chat, as a string whatever the client sent. */
  chat_id: string;
  /** `text` of sendMessage, or `caption` of media. */
  text?: string;
  caption?: string;
  parse_mode?: string;
  reply_markup?: FakeTelegramReplyMarkup;
  /** The id the fake gave the message. */
  message_id: number;
  params: Record<string, unknown>;
  at: number;
}

/** How the next send calls fail: 429 with a wait, or any other status with Telegram's description. */
export type FakeTelegramFailure = { status: 429; retryAfter: number } | { status: number; description?: string };

/** A running fake Bot API. */
export interface FakeTelegram {
  /** The base URL to give a Telegram adapter as `apiRoot`, e.g. `http://127.0.0.1:40123`. */
  readonly apiRoot: string;
  /** Every call, in order of arrival. */
  readonly calls: readonly FakeTelegramCall[];
  /** Every message accepted through a sendXxx method (failed sends are only in `calls`). */
  readonly sent: readonly FakeTelegramSent[];
  /** The URL the last `setWebhook` set, if any. */
  readonly webhookUrl: string | undefined;
  /** Resolve with `sent` once at least `count` messages were sent. */
  waitFor(count: number, timeoutMs?: number): Promise<FakeTelegramSent[]>;
  /** Resolve with the first sent message (already sent or still to come) that matches. */
  waitFor(predicate: (message: FakeTelegramSent) => boolean, timeoutMs?: number): Promise<FakeTelegramSent>;
  /** Resolve with the first call of a method (or matching a predicate), e.g. `'answerCallbackQuery'`. */
  waitForCall(match: string | ((call: FakeTelegramCall) => boolean), timeoutMs?: number): Promise<FakeTelegramCall>;
  /** Make the next `n` sendXxx calls fail as Telegram would. */
  failNext(n: number, failure: FakeTelegramFailure): void;
  /** Forget calls, messages, pending failures and the webhook; message ids start again at 1. */
  reset(): void;
  /** Stop the server and drop open connections. */
  close(): Promise<void>;
}

/** The shape of a Telegram error answer. */
interface ApiError {
  status: number;
  description: string;
  parameters?: { retry_after: number };
}

type Params = Record<string, unknown>;
type Handler = (params: Params, token: string) => { result: unknown } | { error: ApiError };

const DEFAULT_TIMEOUT_MS = 5000;
// Telegram's tokens are `<bot id>:<secret>`; anything else is refused with 401.
const TOKEN_FORMAT = /^\d+:[A-Za-z0-9_-]+$/;
const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request: chat not found',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};
const replyMarkupSchema = z.looseObject({
  inline_keyboard: z.array(z.array(z.object({ text: z.string(), callback_data: z.string().optional(), url: z.string().optional() }))).optional(),
});

/**
 * Start a fake Bot API on a random free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const fake = await startFakeTelegram();
 * const adapter = telegram.create({ token: '123:abc', secretToken: 's', apiRoot: fake.apiRoot }, environment);
 * await adapter.send(conversation, { text: 'hi' });
 * expect(fake.sent[0]?.text).toBe('hi');
 * await fake.close();
 * ```
 */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const calls: FakeTelegramCall[] = [];
  const sent: FakeTelegramSent[] = [];
  const failures: FakeTelegramFailure[] = [];
  const watcher = watchSent(sent, {
    name: 'Telegram',
    describe: (m) => `${m.method} to ${m.chat_id}: ${JSON.stringify(m.text ?? '')}`,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
  });
  let nextMessageId = 1;
  let webhookUrl: string | undefined;

  const botUser = (token: string) => ({
    id: Number(token.split(':')[0]),
    is_bot: true,
    first_name: 'Kiosk Test Bot',
    username: options.botUsername ?? 'kiosk_test_bot',
  });

  /** A sendXxx method: checks the required fields, then answers a Message as Telegram does. */
  const sendMethod = (field: 'text' | 'photo' | 'document' | 'audio' | 'video'): Handler => (params, token) => {
    if (params.chat_id === undefined || params.chat_id === '') return { error: { status: 400, description: 'Bad Request: chat_id is empty' } };
    const value = params[field];
    if (value === undefined || value === '') {
      const description = field === 'text' ? 'Bad Request: message text is empty' : `Bad Request: there is no ${field} in the request`;
      return { error: { status: 400, description } };
    }
    const markup = parseMarkup(params.reply_markup);
    if (markup === null) return { error: { status: 400, description: "Bad Request: can't parse reply keyboard markup JSON object" } };
    const message_id = nextMessageId++;
    const chatId = String(params.chat_id);
    const record: FakeTelegramSent = { method: `send${field === 'text' ? 'Message' : capitalise(field)}`, token, chat_id: chatId, message_id, params, at: Date.now() };
    const text = typeof params.text === 'string' ? params.text : typeof params.caption === 'string' ? params.caption : undefined;
    if (text !== undefined) record.text = text;
    if (typeof params.caption === 'string') record.caption = params.caption;
    if (typeof params.parse_mode === 'string') record.parse_mode = params.parse_mode;
    if (markup) record.reply_markup = markup;
    sent.push(record);
    const fileId = `fake-${field}-${message_id}`;
    const file = { file_id: fileId, file_unique_id: `u${fileId}` };
    const content =
      field === 'text' ? { text } : field === 'photo' ? { photo: [{ ...file, width: 1280, height: 960 }] } : { [field]: file };
    const numeric = /^-?\d+$/.test(chatId) ? Number(chatId) : chatId;
    const chat = { id: numeric, type: typeof numeric === 'number' && numeric < 0 ? 'supergroup' : 'private' };
    return {
      result: {
        message_id,
        from: botUser(token),
        chat,
        date: Math.floor(Date.now() / 1000),
        ...content,
        ...(typeof params.caption === 'string' ? { caption: params.caption } : {}),
        ...(markup ? { reply_markup: markup } : {}),
      },
    };
  };

  const methods: Record<string, Handler> = {
    getMe: (_params, token) => ({ result: { ...botUser(token), can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } }),
    sendMessage: sendMethod('text'),
    sendPhoto: sendMethod('photo'),
    sendDocument: sendMethod('document'),
    sendAudio: sendMethod('audio'),
    sendVideo: sendMethod('video'),
    answerCallbackQuery: (params) =>
      typeof params.callback_query_id === 'string' && params.callback_query_id !== ''
        ? { result: true }
        : { error: { status: 400, description: 'Bad Request: query is too old and response timeout expired or query ID is invalid' } },
    setWebhook: (params) => {
      if (typeof params.url !== 'string') return { error: { status: 400, description: 'Bad Request: bad webhook: URL must be provided' } };
      webhookUrl = params.url === '' ? undefined : params.url;
      return { result: true };
    },
    deleteWebhook: () => {
      webhookUrl = undefined;
      return { result: true };
    },
    getWebhookInfo: () => ({ result: { url: webhookUrl ?? '', has_custom_certificate: false, pending_update_count: 0 } }),
  };
  // Telegram's method names are case-insensitive (https://core.telegram.org/bots/api#making-requests).
  const byLowerName = new Map(Object.entries(methods).map(([name, handler]) => [name.toLowerCase(), { name, handler }]));

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!route) return answer(response, { status: 404, description: 'Not Found' });
    const token = decodeURIComponent(route[1]!);
    if (!TOKEN_FORMAT.test(token) || (options.tokens && !options.tokens.includes(token))) {
      return answer(response, { status: 401, description: 'Unauthorized' });
    }
    const known = byLowerName.get(route[2]!.toLowerCase());
    const method = known?.name ?? route[2]!;
    let params: Params;
    try {
      params = { ...Object.fromEntries(url.searchParams), ...(await readParams(request)) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return answer(response, { status: 400, description: `Bad Request: ${reason}` });
    }
    const record: FakeTelegramCall = { method, token, params, at: Date.now(), status: 200 };
    calls.push(record);
    const failure = method.startsWith('send') && known ? failures.shift() : undefined;
    const outcome: { result: unknown } | { error: ApiError } = !known
      ? { error: { status: 404, description: 'Not Found' } }
      : failure
        ? { error: errorOf(failure) }
        : known.handler(params, token);
    if ('error' in outcome) {
      record.status = outcome.error.status;
      answer(response, outcome.error);
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: outcome.result }));
    }
    watcher.notify();
  };

  const loopback = await startLoopbackServer(handle, (response, error) =>
    answer(response, { status: 500, description: `Internal Server Error: ${String(error)}` }),
  );

  return {
    apiRoot: loopback.origin,
    calls,
    sent,
    get webhookUrl() {
      return webhookUrl;
    },
    waitFor: watcher.waitFor,
    waitForCall(match, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const test = typeof match === 'string' ? (call: FakeTelegramCall) => call.method === match : match;
      return watcher.waitUntil(() => calls.find(test), timeoutMs, typeof match === 'string' ? `${match} call` : 'call matching the predicate');
    },
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    reset() {
      calls.length = 0;
      sent.length = 0;
      failures.length = 0;
      nextMessageId = 1;
      webhookUrl = undefined;
    },
    close: loopback.close,
  };
}

function errorOf(failure: FakeTelegramFailure): ApiError {
  if (failure.status === 429 && 'retryAfter' in failure) {
    return { status: 429, description: `Too Many Requests: retry after ${failure.retryAfter}`, parameters: { retry_after: failure.retryAfter } };
  }
  const description = ('description' in failure ? failure.description : undefined) ?? DESCRIPTIONS[failure.status] ?? `Error ${failure.status}`;
  return { status: failure.status, description };
}

function answer(response: ServerResponse, error: ApiError): void {
  const body = { ok: false, error_code: error.status, description: error.description, ...(error.parameters ? { parameters: error.parameters } : {}) };
  response.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** `undefined` when absent, `null` when present but not a keyboard; form bodies carry it as a JSON string. */
function parseMarkup(value: unknown): FakeTelegramReplyMarkup | undefined | null {
  if (value === undefined) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const result = replyMarkupSchema.safeParse(parsed);
  return result.success ? result.data : null;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The body's parameters, in the three encodings the Bot API accepts. */
async function readParams(request: IncomingMessage): Promise<Params> {
  const body = await readRequestBody(request);
  if (body.length === 0) return {};
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('JSON body must be an object');
    return parsed as Params;
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (type.startsWith('multipart/form-data') && boundary) return parseMultipart(body, boundary[1] ?? boundary[2]!);
  throw new Error(`unsupported content-type ${JSON.stringify(type)}`);
}

/** A small multipart/form-data reader: fields as strings, files as name and size. */
function parseMultipart(body: Buffer, boundary: string): Params {
  const delimiter = Buffer.from(`--${boundary}`);
  const params: Params = {};
  let position = body.indexOf(delimiter);
  while (position !== -1) {
    const start = position + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // Each part sits between the CRLF after the delimiter and the CRLF before the next one.
    const part = body.subarray(start + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /;\s*name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /;\s*filename="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) params[name] = filename !== undefined ? ({ filename, size: content.length } satisfies FakeTelegramUpload) : content.toString('utf8');
    position = next;
  }
  return params;
}
