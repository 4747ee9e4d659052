/**
 * A fake WhatsApp Cloud API: a real HTTP server on 127.0.0.1 that answers
 * `POST /<version>/<phone number id>/messages` the way Meta does, checks the Bearer token and
 * the message's shape against Meta's limits, records every message, fails on demand (rate
 * limits, 5xx, any Graph error code), can enforce the 24-hour customer-service window, and
 * posts signed status callbacks to a webhook. Point a bot's `apiRoot` at `fake.apiRoot`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, startLoopbackServer, watchSent } from './fake-server';
import { signWhatsapp, whatsappWebhook, type WhatsappAnswer, type WhatsappStatusInput } from './whatsapp-client';

/** Options of `startFakeWhatsapp`. */
export interface FakeWhatsappOptions {
  /** Only these access tokens are accepted; others get 401 with code 190. @defaultValue any non-empty token */
  accessTokens?: string[];
  /**
   * Refuse free-form messages (anything but a template) to customers who have not written in
   * the last 24 hours, with error 131047, as Meta does. Tell the fake when a customer wrote
   * with `customerWrote`. @defaultValue false
   */
  enforceWindow?: boolean;
}

/** One request to the fake, successful or not. */
export interface FakeWhatsappCall {
  /** The request path, e.g. `/v23.0/106540352242922/messages`. */
  path: string;
  /** The Bearer token sent, if any. */
  token?: string;
  /** The JSON body as sent (undefined when it was not JSON). */
  body: unknown;
  /** The HTTP status the fake answered with, and Meta's error code when it failed. */
  status: number;
  code?: number;
  at: number;
}

/** A message the fake accepted. */
export interface FakeWhatsappSent {
  /** The `wamid` the fake gave it. */
  id: string;
  /** The customer's WhatsApp id. */
  to: string;
  /** `text`, `image`, `interactive`, `template`… */
  type: string;
  /** For interactive messages: `button`, `list`, `cta_url`… */
  interactiveType?: string;
  /** The text the customer sees: a text's body, an interactive body, a caption, or a template's name. */
  text?: string;
  /** The message object as posted. */
  message: Record<string, unknown>;
  phoneNumberId: string;
  version: string;
  token: string;
  at: number;
}

/** How the next sends fail: an HTTP status with Meta's error `code`, `message` and `details`, and a `Retry-After` header. */
export interface FakeWhatsappFailure {
  status: number;
  code?: number;
  message?: string;
  details?: string;
  retryAfter?: number;
}

/** A status callback to post: `recipientId` defaults to the recipient of the sent message `id`. */
export type FakeWhatsappStatus = Omit<WhatsappStatusInput, 'recipientId'> & { recipientId?: string };

/** A running fake Cloud API. */
export interface FakeWhatsapp {
  /** The base URL to give a WhatsApp adapter as `apiRoot`, e.g. `http://127.0.0.1:40123`. */
  readonly apiRoot: string;
  /** Every request, in order of arrival. */
  readonly calls: readonly FakeWhatsappCall[];
  /** Every accepted message (failed ones are only in `calls`). */
  readonly sent: readonly FakeWhatsappSent[];
  /** Resolve with `sent` once at least `count` messages were accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<FakeWhatsappSent[]>;
  /** Resolve with the first accepted message (already or still to come) that matches. */
  waitFor(predicate: (message: FakeWhatsappSent) => boolean, timeoutMs?: number): Promise<FakeWhatsappSent>;
  /** Make the next `n` sends fail as Meta would. */
  failNext(n: number, failure: FakeWhatsappFailure): void;
  /** Tell the fake a customer wrote (opening their 24-hour window), at `at` ms since the epoch. */
  customerWrote(waId: string, at?: number): void;
  /** Post signed status callbacks for sent messages to a webhook URL, as Meta does. */
  deliverStatus(url: string, appSecret: string, statuses: FakeWhatsappStatus | FakeWhatsappStatus[]): Promise<WhatsappAnswer>;
  /** Forget calls, messages, failures and windows. */
  reset(): void;
  /** Stop the server and drop open connections. */
  close(): Promise<void>;
}

/** A Graph API error as the fake answers it. */
interface GraphFailure {
  status: number;
  code: number;
  message: string;
  details?: string;
  retryAfter?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DAY_MS = 24 * 3_600_000;
const MESSAGES_PATH = /^\/(v\d+\.\d+)\/(\d+)\/messages$/;
const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'];
const DEFAULT_MESSAGES: Record<number, string> = {
  4: '(#4) Application request limit reached',
  100: '(#100) Invalid parameter',
  130429: '(#130429) Rate limit hit',
  131026: '(#131026) Message Undeliverable',
  131047: '(#131047) Re-engagement message',
  131056: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
  131000: '(#131000) Something went wrong',
  190: 'Invalid OAuth access token - Cannot parse access token',
};

const chars = (text: string) => Array.from(text).length;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const invalid = (details: string): GraphFailure => ({ status: 400, code: 131009, message: '(#131009) Parameter value is not valid', details });
const missing = (details: string): GraphFailure => ({ status: 400, code: 100, message: '(#100) Invalid parameter', details });

/**
 * Start a fake Cloud API on a random free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const fake = await startFakeWhatsapp({ accessTokens: ['dev-token'] });
 * const adapter = whatsapp.create(whatsapp.settings.parse({ phoneNumberId: '106540352242922', accessToken: 'dev-token', appSecret: 's', verifyToken: 'v', apiRoot: fake.apiRoot }), environment);
 * await adapter.send(conversation, { text: 'hi' });
 * expect(fake.sent[0]?.text).toBe('hi');
 * await fake.close();
 * ```
 */
export async function startFakeWhatsapp(options: FakeWhatsappOptions = {}): Promise<FakeWhatsapp> {
  const calls: FakeWhatsappCall[] = [];
  const sent: FakeWhatsappSent[] = [];
  const failures: FakeWhatsappFailure[] = [];
  const lastWrote = new Map<string, number>();
  const watcher = watchSent(sent, {
    name: 'WhatsApp',
    describe: (m) => `${m.type} to ${m.to}: ${JSON.stringify(m.text ?? '')}`,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
  });
  let next = 1;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const raw = await readRequestBody(request);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const call: FakeWhatsappCall = { path, body, status: 200, at: Date.now(), ...(token ? { token } : {}) };
    calls.push(call);
    const fail = (failure: GraphFailure) => {
      call.status = failure.status;
      call.code = failure.code;
      answerError(response, failure);
    };

    const route = MESSAGES_PATH.exec(path);
    if (request.method !== 'POST' || !route) return fail({ status: 400, code: 2500, message: `Unknown path components: ${path}` });
    if (!token || (options.accessTokens && !options.accessTokens.includes(token))) {
      return fail({ status: 401, code: 190, message: DEFAULT_MESSAGES[190]! });
    }
    const failure = failures.shift();
    if (failure) {
      const code = failure.code ?? (failure.status === 429 ? 130429 : failure.status >= 500 ? 131000 : 100);
      return fail({
        status: failure.status,
        code,
        message: failure.message ?? DEFAULT_MESSAGES[code] ?? `(#${code}) Error`,
        ...(failure.details ? { details: failure.details } : {}),
        ...(failure.retryAfter !== undefined ? { retryAfter: failure.retryAfter } : {}),
      });
    }
    if (!isRecord(body)) return fail(missing('The request body must be a JSON object.'));
    const problem = validate(body);
    if (problem) return fail(problem);
    const to = String(body.to);
    if (options.enforceWindow && body.type !== 'template') {
      const wrote = lastWrote.get(to);
      if (wrote === undefined || Date.now() - wrote > DAY_MS) {
        return fail({
          status: 400,
          code: 131047,
          message: DEFAULT_MESSAGES[131047]!,
          details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        });
      }
    }
    const id = `wamid.${Buffer.from(`HBgL${to}FQIAERgS-fake-${next++}`).toString('base64')}`;
    const record: FakeWhatsappSent = {
      id,
      to,
      type: String(body.type),
      message: body,
      phoneNumberId: route[2]!,
      version: route[1]!,
      token,
      at: Date.now(),
    };
    const text = visibleText(body);
    if (text !== undefined) record.text = text;
    const interactive = body.interactive;
    if (isRecord(interactive) && typeof interactive.type === 'string') record.interactiveType = interactive.type;
    sent.push(record);
    const answer = {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to }],
      messages: [{ id, ...(body.type === 'template' ? { message_status: 'accepted' } : {}) }],
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    watcher.notify();
  };

  const loopback = await startLoopbackServer(handle, (response, error) =>
    answerError(response, { status: 500, code: 1, message: `An unknown error occurred: ${String(error)}` }),
  );

  return {
    apiRoot: loopback.origin,
    calls,
    sent,
    waitFor: watcher.waitFor,
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    customerWrote(waId, at = Date.now()) {
      lastWrote.set(waId, at);
    },
    async deliverStatus(url, appSecret, statuses) {
      const list = Array.isArray(statuses) ? statuses : [statuses];
      const items = list.map((s): WhatsappStatusInput => {
        const recipientId = s.recipientId ?? sent.find((m) => m.id === s.id)?.to;
        if (!recipientId) throw new Error(`Fake WhatsApp: no sent message ${s.id}; give the status a recipientId.`);
        return { ...s, recipientId };
      });
      const phoneNumberId = sent.find((m) => m.id === list[0]?.id)?.phoneNumberId;
      const body = JSON.stringify(whatsappWebhook({ statuses: items, ...(phoneNumberId ? { phoneNumberId } : {}) }));
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWhatsapp(body, appSecret) },
        body,
      });
      return { status: response.status, body: await response.text() };
    },
    reset() {
      calls.length = 0;
      sent.length = 0;
      failures.length = 0;
      lastWrote.clear();
    },
    close: loopback.close,
  };
}

/** Check a message as Meta would, returning the error Meta would answer, if any. */
function validate(body: Record<string, unknown>): GraphFailure | undefined {
  if (body.messaging_product !== 'whatsapp') return missing('messaging_product must be "whatsapp".');
  if (typeof body.to !== 'string' || body.to === '') return missing('The parameter to is required.');
  const type = body.type ?? 'text';
  if (typeof type !== 'string') return missing('type must be a string.');
  const content = body[type];
  if (!isRecord(content)) return missing(`The parameter ${type} is required.`);
  if (type === 'text') {
    const text = content.body;
    if (typeof text !== 'string' || chars(text) < 1) return missing('The parameter text.body is required.');
    if (chars(text) > 4096) return invalid('Param text.body must be at most 4096 characters long.');
    return undefined;
  }
  if (MEDIA_TYPES.includes(type)) {
    if (typeof content.link !== 'string' && typeof content.id !== 'string') return missing(`The parameter ${type}.link or ${type}.id is required.`);
    if (typeof content.caption === 'string' && chars(content.caption) > 1024) return invalid(`Param ${type}.caption must be at most 1024 characters long.`);
    if (type === 'audio' && content.caption !== undefined) return missing('Param audio.caption is not a valid parameter.');
    return undefined;
  }
  if (type === 'template') {
    if (typeof content.name !== 'string' || content.name === '') return missing('The parameter template.name is required.');
    const language = content.language;
    if (!isRecord(language) || typeof language.code !== 'string') return missing('The parameter template.language.code is required.');
    return undefined;
  }
  if (type === 'interactive') return validateInteractive(content);
  return missing(`Unsupported message type ${type}.`);
}

function validateInteractive(interactive: Record<string, unknown>): GraphFailure | undefined {
  const body = interactive.body;
  const text = isRecord(body) ? body.text : undefined;
  if (typeof text !== 'string' || chars(text) < 1) return missing('The parameter interactive.body.text is required.');
  if (chars(text) > 1024) return invalid('Param interactive.body.text must be at most 1024 characters long.');
  const action = interactive.action;
  if (!isRecord(action)) return missing('The parameter interactive.action is required.');
  switch (interactive.type) {
    case 'button': {
      const buttons = action.buttons;
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) return invalid('Reply buttons must number between 1 and 3.');
      const ids = new Set<string>();
      for (const button of buttons) {
        const reply = isRecord(button) && button.type === 'reply' ? button.reply : undefined;
        if (!isRecord(reply) || typeof reply.id !== 'string' || typeof reply.title !== 'string') return missing('Each button needs type "reply" with reply.id and reply.title.');
        if (chars(reply.title) < 1 || chars(reply.title) > 20) return invalid('Button title length invalid. Min length: 1, Max length: 20');
        if (chars(reply.id) < 1 || chars(reply.id) > 256) return invalid('Button id length invalid. Min length: 1, Max length: 256');
        if (ids.has(reply.id)) return invalid('Button ids must be unique.');
        ids.add(reply.id);
      }
      return undefined;
    }
    case 'list': {
      if (typeof action.button !== 'string' || chars(action.button) < 1 || chars(action.button) > 20) return invalid('List button text length invalid. Min length: 1, Max length: 20');
      const sections = action.sections;
      if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10) return invalid('Sections must number between 1 and 10.');
      let rows = 0;
      for (const section of sections) {
        if (!isRecord(section) || !Array.isArray(section.rows)) return missing('Each section needs rows.');
        if (sections.length > 1 && typeof section.title !== 'string') return missing('Section title is required when there are several sections.');
        for (const row of section.rows) {
          rows += 1;
          if (!isRecord(row) || typeof row.id !== 'string' || typeof row.title !== 'string') return missing('Each row needs an id and a title.');
          if (chars(row.title) < 1 || chars(row.title) > 24) return invalid('Row title length invalid. Min length: 1, Max length: 24');
          if (chars(row.id) < 1 || chars(row.id) > 200) return invalid('Row id length invalid. Min length: 1, Max length: 200');
          if (typeof row.description === 'string' && chars(row.description) > 72) return invalid('Row description length invalid. Max length: 72');
        }
      }
      if (rows < 1 || rows > 10) return invalid('Total row count exceed max allowed count: 10');
      return undefined;
    }
    case 'cta_url': {
      const parameters = action.parameters;
      if (action.name !== 'cta_url' || !isRecord(parameters)) return missing('action.name must be "cta_url" with parameters.');
      if (typeof parameters.display_text !== 'string' || chars(parameters.display_text) < 1 || chars(parameters.display_text) > 20) return invalid('display_text length invalid. Min length: 1, Max length: 20');
      if (typeof parameters.url !== 'string' || !/^https?:\/\//.test(parameters.url)) return invalid('parameters.url must be an http(s) URL.');
      return undefined;
    }
    default:
      return missing(`Unsupported interactive type ${String(interactive.type)}.`);
  }
}

function visibleText(body: Record<string, unknown>): string | undefined {
  const type = String(body.type ?? 'text');
  const content = body[type];
  if (!isRecord(content)) return undefined;
  if (type === 'text' && typeof content.body === 'string') return content.body;
  if (type === 'template' && typeof content.name === 'string') return content.name;
  if (type === 'interactive' && isRecord(content.body) && typeof content.body.text === 'string') return content.body.text;
  return typeof content.caption === 'string' ? content.caption : undefined;
}

function answerError(response: ServerResponse, failure: GraphFailure): void {
  const body = {
    error: {
      message: failure.message,
      type: 'OAuthException',
      code: failure.code,
      ...(failure.details ? { error_data: { messaging_product: 'whatsapp', details: failure.details } } : {}),
      fbtrace_id: 'AFakeTraceId',
    },
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
  response.writeHead(failure.status, headers).end(JSON.stringify(body));
}
