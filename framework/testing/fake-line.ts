/**
 * A fake LINE Messaging API: a real HTTP server on 127.0.0.1 that answers the reply and push
 * endpoints the way LINE does (https://developers.line.biz/en/reference/messaging-api/#send-reply-message),
 * records what it accepted, and fails on demand. Point a bot's `apiRoot` at `fake.apiRoot`.
 *
 * Like LINE it checks the `Authorization: Bearer` token, the shape of the messages (one to
 * five per request, at most 13 quick-reply buttons, labels of at most 20 characters…), knows
 * the reply tokens it issued and refuses used or expired ones with 400 "Invalid reply token",
 * and runs a push at most once per `X-Line-Retry-Key`, answering a repeat with 409.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, startLoopbackServer, watchSent } from './fake-server';

/** Options of `startFakeLine`. */
export interface FakeLineOptions {
  /** Only these channel access tokens are accepted; others get 401. @defaultValue any non-empty token */
  tokens?: string[];
  /** How long an issued reply token stays valid, in ms. LINE: about a minute. @defaultValue 60000 */
  replyTokenLifetimeMs?: number;
}

/** One request to the fake, successful or not. */
export interface FakeLineCall {
  /** `'reply'`, `'push'`, or the path of an endpoint the fake does not serve. */
  endpoint: string;
  /** The bearer token sent. */
  token: string;
  body: unknown;
  /** The `X-Line-Retry-Key` header, if sent. */
  retryKey?: string;
  /** The HTTP status the fake answered with. */
  status: number;
  at: number;
}

/** A quick-reply button as sent. */
export interface FakeLineQuickReplyItem {
  type: string;
  action: { type: string; label?: string; data?: string; displayText?: string; uri?: string; text?: string };
}

/** One message the fake accepted. */
export interface FakeLineSent {
  /** How it was sent. */
  via: 'reply' | 'push';
  /** The user, group or room it went to (for a reply: the chat the token was issued for). */
  to: string;
  /** The message's `type`: `'text'`, `'image'`, `'template'`, `'flex'`… */
  type: string;
  /** A text message's text, or a buttons template's text. */
  text?: string;
  /** A template's or flex message's alternative text. */
  altText?: string;
  quickReply?: { items: FakeLineQuickReplyItem[] };
  /** The whole message object as sent. */
  message: Record<string, unknown>;
  /** The id the fake gave the message, returned in `sentMessages`. */
  id: string;
  replyToken?: string;
  retryKey?: string;
  at: number;
}

/** How the next reply or push calls fail. `afterAccepting`: the request is carried out, then answered with the failure (a 5xx after LINE accepted it). */
export interface FakeLineFailure {
  status: number;
  /** LINE's `message`. @defaultValue LINE's usual message for the status */
  message?: string;
  details?: Array<{ message: string; property: string }>;
  afterAccepting?: boolean;
}

/** A running fake Messaging API. */
export interface FakeLine {
  /** The base URL to give a LINE adapter as `apiRoot`, e.g. `http://127.0.0.1:40123`. */
  readonly apiRoot: string;
  /** Every request, in order of arrival. */
  readonly calls: readonly FakeLineCall[];
  /** Every message accepted, in order (failed requests are only in `calls`). */
  readonly sent: readonly FakeLineSent[];
  /** The webhook URL last set through `PUT /v2/bot/channel/webhook/endpoint`, if any. */
  readonly webhookEndpoint: string | undefined;
  /**
   * Issue a reply token for a chat, as LINE does with each webhook event: put it in the
   * event you post. `token` registers a given one (a sample's); `issuedAt` back-dates it.
   */
  issueReplyToken(to: string, options?: { token?: string; issuedAt?: number }): string;
  /** Resolve with `sent` once at least `count` messages were sent. */
  waitFor(count: number, timeoutMs?: number): Promise<FakeLineSent[]>;
  /** Resolve with the first sent message (already sent or still to come) that matches. */
  waitFor(predicate: (message: FakeLineSent) => boolean, timeoutMs?: number): Promise<FakeLineSent>;
  /** Make the next `n` reply or push calls fail. */
  failNext(n: number, failure: FakeLineFailure): void;
  /** Forget calls, messages, tokens, retry keys and pending failures. */
  reset(): void;
  /** Stop the server and drop open connections. */
  close(): Promise<void>;
}

interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MESSAGES: Record<number, string> = {
  400: 'The request body has 1 error(s)',
  401: 'Authentication failed. Confirm that the access token in the authorization header is valid.',
  403: 'Access to this API is not available for your account',
  404: 'Not found',
  409: 'The retry key is already accepted',
  429: 'The API rate limit has been exceeded. Try again later.',
  500: 'Internal server error',
};
// User, group and room ids: U, C or R and 32 hex digits (https://developers.line.biz/en/docs/messaging-api/getting-user-ids/).
const RECIPIENT = /^[UCR][0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Start a fake Messaging API on a random free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const fake = await startFakeLine();
 * const adapter = line.create(line.settings.parse({ channelSecret: 's', channelAccessToken: 't', apiRoot: fake.apiRoot }), environment);
 * await adapter.send(conversation, { text: 'hi' });
 * expect(fake.sent[0]).toMatchObject({ via: 'push', text: 'hi' });
 * await fake.close();
 * ```
 */
export async function startFakeLine(options: FakeLineOptions = {}): Promise<FakeLine> {
  const lifetime = options.replyTokenLifetimeMs ?? 60_000;
  const calls: FakeLineCall[] = [];
  const sent: FakeLineSent[] = [];
  const failures: FakeLineFailure[] = [];
  const watcher = watchSent(sent, {
    name: 'LINE',
    describe: (m) => `${m.via} ${m.type} to ${m.to}: ${JSON.stringify(m.text ?? m.altText ?? '')}`,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
  });
  const replyTokens = new Map<string, { to: string; issuedAt: number; used: boolean }>();
  const acceptedKeys = new Map<string, { requestId: string; ids: string[] }>();
  let nextId = 100_000_000_000_000;

  const accept = (via: 'reply' | 'push', to: string, messages: Array<Record<string, unknown>>, extra: { replyToken?: string; retryKey?: string }): string[] =>
    messages.map((message) => {
      const id = String(nextId++);
      const record: FakeLineSent = { via, to, type: String(message.type), message, id, at: Date.now(), ...extra };
      const template = message.template as { text?: unknown } | undefined;
      const text = typeof message.text === 'string' ? message.text : typeof template?.text === 'string' ? template.text : undefined;
      if (text !== undefined) record.text = text;
      if (typeof message.altText === 'string') record.altText = message.altText;
      if (message.quickReply) record.quickReply = message.quickReply as FakeLineSent['quickReply'] & object;
      sent.push(record);
      return id;
    });

  const reply = (body: Record<string, unknown>, retryKey: string | undefined): ApiAnswer | { run: () => string[] } => {
    if (retryKey !== undefined) return error(400, "The 'X-Line-Retry-Key' header is not supported by this endpoint");
    const invalid = validateMessages(body.messages);
    if (invalid) return invalid;
    const token = typeof body.replyToken === 'string' ? replyTokens.get(body.replyToken) : undefined;
    if (!token || token.used || Date.now() - token.issuedAt >= lifetime) return error(400, 'Invalid reply token');
    return {
      run: () => {
        token.used = true;
        return accept('reply', token.to, body.messages as Array<Record<string, unknown>>, { replyToken: body.replyToken as string });
      },
    };
  };

  const push = (body: Record<string, unknown>, retryKey: string | undefined): ApiAnswer | { run: () => string[] } => {
    if (retryKey !== undefined && !UUID.test(retryKey)) return error(400, "The value for the 'X-Line-Retry-Key' header is invalid");
    if (typeof body.to !== 'string' || !RECIPIENT.test(body.to)) {
      return error(400, "The property, 'to', in the request body is invalid (line: -, column: -)");
    }
    const invalid = validateMessages(body.messages);
    if (invalid) return invalid;
    const previous = retryKey !== undefined ? acceptedKeys.get(retryKey) : undefined;
    if (previous) {
      return {
        status: 409,
        body: { message: MESSAGES[409]!, sentMessages: previous.ids.map((id) => ({ id })) },
        headers: { 'x-line-accepted-request-id': previous.requestId },
      };
    }
    return {
      run: () => {
        const ids = accept('push', body.to as string, body.messages as Array<Record<string, unknown>>, retryKey !== undefined ? { retryKey } : {});
        if (retryKey !== undefined) acceptedKeys.set(retryKey, { requestId: randomUUID(), ids });
        return ids;
      },
    };
  };

  let webhookEndpoint: string | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const route = /^\/v2\/bot\/message\/(reply|push)$/.exec(url.pathname);
    const endpoint = route?.[1] ?? url.pathname;
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const retryHeader = request.headers['x-line-retry-key'];
    const retryKey = Array.isArray(retryHeader) ? retryHeader[0] : retryHeader;
    const raw = await readRequestBody(request);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    const call: FakeLineCall = { endpoint, token, body, status: 200, at: Date.now(), ...(retryKey !== undefined ? { retryKey } : {}) };
    calls.push(call);

    // Setting the webhook URL (`kiosk webhooks set`): https://developers.line.biz/en/reference/messaging-api/#set-webhook-endpoint-url
    if (request.method === 'PUT' && url.pathname === '/v2/bot/channel/webhook/endpoint') {
      const known = token !== '' && (!options.tokens || options.tokens.includes(token));
      const endpointUrl = (body as { endpoint?: unknown } | undefined)?.endpoint;
      call.status = !known ? 401 : typeof endpointUrl === 'string' && endpointUrl.startsWith('https://') ? 200 : 400;
      if (call.status === 200) webhookEndpoint = endpointUrl as string;
      const answerBody = call.status === 200 ? '{}' : JSON.stringify({ message: call.status === 401 ? MESSAGES[401] : 'The webhook endpoint must be an HTTPS URL' });
      response.writeHead(call.status, { 'content-type': 'application/json' }).end(answerBody);
      return;
    }

    let answer: ApiAnswer;
    if (!route || request.method !== 'POST') answer = error(404, MESSAGES[404]!);
    else if (!token || (options.tokens && !options.tokens.includes(token))) answer = error(401, MESSAGES[401]!);
    else if (typeof body !== 'object' || body === null || Array.isArray(body)) answer = error(400, 'The request body is not a JSON object');
    else {
      const failure = failures.shift();
      if (failure && !failure.afterAccepting) answer = failureAnswer(failure);
      else {
        const outcome = endpoint === 'reply' ? reply(body as Record<string, unknown>, retryKey) : push(body as Record<string, unknown>, retryKey);
        if ('run' in outcome) {
          const ids = outcome.run();
          answer = failure ? failureAnswer(failure) : { status: 200, body: { sentMessages: ids.map((id) => ({ id, quoteToken: `q${id}` })) } };
        } else answer = outcome;
      }
    }
    call.status = answer.status;
    response
      .writeHead(answer.status, { 'content-type': 'application/json', 'x-line-request-id': randomUUID(), ...answer.headers })
      .end(JSON.stringify(answer.body));
    watcher.notify();
  };

  const loopback = await startLoopbackServer(handle, (response, failure) =>
    response.writeHead(500).end(JSON.stringify({ message: `Internal server error: ${String(failure)}` })),
  );

  return {
    get webhookEndpoint() {
      return webhookEndpoint;
    },
    apiRoot: loopback.origin,
    calls,
    sent,
    issueReplyToken(to, issue = {}) {
      const token = issue.token ?? randomBytes(16).toString('hex');
      replyTokens.set(token, { to, issuedAt: issue.issuedAt ?? Date.now(), used: false });
      return token;
    },
    waitFor: watcher.waitFor,
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    reset() {
      calls.length = 0;
      sent.length = 0;
      failures.length = 0;
      replyTokens.clear();
      acceptedKeys.clear();
    },
    close: loopback.close,
  };
}

function error(status: number, message: string, details?: Array<{ message: string; property: string }>): ApiAnswer {
  return { status, body: details ? { message, details } : { message } };
}

function failureAnswer(failure: FakeLineFailure): ApiAnswer {
  return error(failure.status, failure.message ?? MESSAGES[failure.status] ?? `Error ${failure.status}`, failure.details);
}

/** LINE's answer to a request body with one invalid property. */
function invalidProperty(property: string, message: string): ApiAnswer {
  return error(400, MESSAGES[400]!, [{ message, property }]);
}

type Check = ApiAnswer | undefined;

/** The first problem LINE would report with `messages`, or `undefined`. */
function validateMessages(messages: unknown): Check {
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > 5) return invalidProperty('messages', 'Size must be between 1 and 5');
  for (const [index, message] of messages.entries()) {
    const problem = validateMessage(message, `messages[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

function validateMessage(message: unknown, at: string): Check {
  if (typeof message !== 'object' || message === null) return invalidProperty(at, 'Must be an object');
  const m = message as Record<string, unknown>;
  const problem = validateContent(m, at);
  if (problem) return problem;
  if (m.quickReply === undefined) return undefined;
  const items = (m.quickReply as { items?: unknown }).items;
  if (!Array.isArray(items) || items.length < 1 || items.length > 13) return invalidProperty(`${at}.quickReply.items`, 'Size must be between 1 and 13');
  for (const [index, item] of items.entries()) {
    const where = `${at}.quickReply.items[${index}]`;
    if ((item as { type?: unknown }).type !== 'action') return invalidProperty(`${where}.type`, "Must be 'action'");
    const action = validateAction((item as { action?: unknown }).action, `${where}.action`, true);
    if (action) return action;
  }
  return undefined;
}

function validateContent(m: Record<string, unknown>, at: string): Check {
  switch (m.type) {
    case 'text':
      return text(m.text, `${at}.text`, 5000, true);
    case 'image':
      return https(m.originalContentUrl, `${at}.originalContentUrl`, 2000) ?? https(m.previewImageUrl, `${at}.previewImageUrl`, 2000);
    case 'template': {
      const alt = text(m.altText, `${at}.altText`, 400, true);
      if (alt) return alt;
      const template = m.template as Record<string, unknown> | undefined;
      if (!template || typeof template !== 'object') return invalidProperty(`${at}.template`, 'May not be null');
      if (template.type !== 'buttons') return undefined;
      const withPicture = template.title !== undefined || template.thumbnailImageUrl !== undefined;
      const titled = template.title === undefined ? undefined : text(template.title, `${at}.template.title`, 40, true);
      const picture = template.thumbnailImageUrl === undefined ? undefined : https(template.thumbnailImageUrl, `${at}.template.thumbnailImageUrl`, 1000);
      const body = text(template.text, `${at}.template.text`, withPicture ? 60 : 160, true);
      if (titled ?? picture ?? body) return titled ?? picture ?? body;
      const actions = template.actions;
      if (!Array.isArray(actions) || actions.length < 1 || actions.length > 4) return invalidProperty(`${at}.template.actions`, 'Size must be between 1 and 4');
      for (const [index, action] of actions.entries()) {
        const problem = validateAction(action, `${at}.template.actions[${index}]`, true);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'flex': {
      const alt = text(m.altText, `${at}.altText`, 400, true);
      if (alt) return alt;
      const type = (m.contents as { type?: unknown } | undefined)?.type;
      return type === 'bubble' || type === 'carousel' ? undefined : invalidProperty(`${at}.contents.type`, "Must be one of the following values: [bubble, carousel]");
    }
    case 'video':
    case 'audio':
    case 'location':
    case 'sticker':
    case 'imagemap':
      return undefined;
    default:
      return invalidProperty(`${at}.type`, 'Must be one of the following values: [text, image, video, audio, location, sticker, template, imagemap, flex]');
  }
}

function validateAction(action: unknown, at: string, labelRequired: boolean): Check {
  if (typeof action !== 'object' || action === null) return invalidProperty(at, 'May not be null');
  const a = action as Record<string, unknown>;
  if (labelRequired || a.label !== undefined) {
    const label = text(a.label, `${at}.label`, 20, true);
    if (label) return label;
  }
  switch (a.type) {
    case 'postback':
      return text(a.data, `${at}.data`, 300, true) ?? (a.displayText === undefined ? undefined : text(a.displayText, `${at}.displayText`, 300, true));
    case 'uri':
      return typeof a.uri === 'string' && /^(https?|line|tel):/.test(a.uri) && a.uri.length <= 1000
        ? undefined
        : invalidProperty(`${at}.uri`, 'Must be an http, https, line or tel URI of at most 1000 characters');
    case 'message':
      return text(a.text, `${at}.text`, 300, true);
    default:
      return undefined;
  }
}

function text(value: unknown, at: string, max: number, required: boolean): Check {
  if (value === undefined || value === null) return required ? invalidProperty(at, 'May not be empty') : undefined;
  if (typeof value !== 'string' || value.length === 0) return invalidProperty(at, 'May not be empty');
  if (value.length > max) return invalidProperty(at, `Length must be between 0 and ${max}`);
  return undefined;
}

function https(value: unknown, at: string, max: number): Check {
  if (typeof value !== 'string' || !value.startsWith('https://') || value.length > max) {
    return invalidProperty(at, `Must be an HTTPS URL of at most ${max} characters`);
  }
  return undefined;
}
