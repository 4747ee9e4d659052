/**
 * A fake WeChat Official Account API: a real HTTP server on 127.0.0.1 that issues
 * access_tokens, checks them on every call, accepts customer-service and template messages and
 * custom menus the way WeChat does, records everything, and fails on demand. Point a WeChat
 * adapter's `apiRoot` at `fake.apiRoot` in tests.
 *
 * Like WeChat (https://developers.weixin.qq.com/doc/service/en/Basic_Information/Get_access_token.html),
 * a new token leaves the previous ones valid for five more minutes only, so processes that
 * fetch tokens on their own soon see errcode 40001.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, startLoopbackServer, watchSent } from './fake-server';

/** Options of `startFakeWechat`. */
export interface FakeWechatOptions {
  /** The account's AppID. @defaultValue `'wx0000000000000001'` */
  appId?: string;
  /** The account's AppSecret. @defaultValue `'fake-secret'` */
  appSecret?: string;
  /** `expires_in` of issued tokens, in seconds. @defaultValue `7200` */
  tokenTtlSeconds?: number;
  /** Template ids that exist; others are refused with 40037. @defaultValue any non-empty id */
  templates?: string[];
}

/** One request to the fake, successful or not. */
export interface FakeWechatCall {
  /** The path, e.g. `'/cgi-bin/message/custom/send'`. */
  path: string;
  method: string;
  /** Query parameters (the secret of a token request included). */
  query: Record<string, string>;
  /** The parsed JSON body, if any. */
  body: unknown;
  /** The errcode answered (0 on success), or the HTTP status for a simulated HTTP failure. */
  errcode: number;
  at: number;
}

/** A message the fake accepted. */
export interface FakeWechatSent {
  /** Which API carried it. */
  api: 'custom' | 'template';
  /** The customer's OpenID (`touser`). */
  openid: string;
  /** `text`, `news`, `msgmenu`… for customer-service messages; `'template'` for template messages. */
  msgtype: string;
  /** `text.content` of a text message, `msgmenu.head_content` of a menu message. */
  text?: string;
  /** The template id, for template messages. */
  templateId?: string;
  /** The template's fields, for template messages. */
  data?: Record<string, { value: string; color?: string }>;
  /** The template's link, for template messages. */
  url?: string;
  /** The msgid the fake gave a template message. */
  msgid?: number;
  /** The whole JSON body as sent. */
  body: Record<string, unknown>;
  /** The access_token used. */
  token: string;
  at: number;
}

/** How the next calls fail: a WeChat errcode, or an HTTP status without a JSON body. `path` limits it to one endpoint. */
export type FakeWechatFailure = ({ errcode: number; errmsg?: string } | { status: number }) & { path?: string };

/** A running fake WeChat API. */
export interface FakeWechat {
  /** The base URL to give a WeChat adapter as `apiRoot`, e.g. `http://127.0.0.1:40123`. */
  readonly apiRoot: string;
  readonly appId: string;
  readonly appSecret: string;
  /** Every request, in order of arrival. */
  readonly calls: readonly FakeWechatCall[];
  /** Every message accepted (failed sends are only in `calls`). */
  readonly sent: readonly FakeWechatSent[];
  /** How many times /cgi-bin/token was asked for a token. */
  readonly tokenFetches: number;
  /** The menu last published with /cgi-bin/menu/create, as sent. */
  readonly menu: unknown;
  /** Resolve with `sent` once at least `count` messages were accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<FakeWechatSent[]>;
  /** Resolve with the first accepted message (already or still to come) that matches. */
  waitFor(predicate: (message: FakeWechatSent) => boolean, timeoutMs?: number): Promise<FakeWechatSent>;
  /** Make every token issued so far expired: the next call with one gets errcode 42001. */
  expireTokens(): void;
  /**
   * Make the next `n` calls fail as WeChat would. Without `path` it applies to every endpoint
   * but /cgi-bin/token; with `path: '/cgi-bin/token'` it applies to token requests.
   */
  failNext(n: number, failure: FakeWechatFailure): void;
  /** Forget calls, messages, tokens, the menu and pending failures. */
  reset(): void;
  /** Stop the server and drop open connections. */
  close(): Promise<void>;
}

type Answer = { errcode: number; errmsg: string; [field: string]: unknown };

const DEFAULT_TIMEOUT_MS = 5000;
// WeChat keeps a replaced token valid for five minutes.
const OVERLAP_MS = 5 * 60 * 1000;
const OK = { errcode: 0, errmsg: 'ok' };
// Errmsgs as WeChat words them, for failures given without one.
const ERRMSGS: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40037: 'invalid template_id',
  40125: 'invalid appsecret',
  40164: 'invalid ip, not in whitelist',
  42001: 'access_token expired',
  43004: 'require subscribe',
  43019: 'require remove blacklist',
  45009: 'reach max api daily quota limit',
  45015: 'response out of time limit or subscription is canceled',
  45047: 'out of response count limit',
};
const CUSTOM_TYPES = new Set(['text', 'image', 'voice', 'video', 'music', 'news', 'mpnews', 'mpnewsarticle', 'msgmenu', 'wxcard', 'miniprogrampage']);

/**
 * Start a fake WeChat API on a random free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const fake = await startFakeWechat();
 * const tokens = createAccessTokenSource({ redis, prefix, appId: fake.appId, appSecret: fake.appSecret, apiRoot: fake.apiRoot });
 * await sendWechat(createWechatApi({ tokens, apiRoot: fake.apiRoot }), conversation, { text: 'hi' });
 * expect(fake.sent[0]).toMatchObject({ msgtype: 'text', text: 'hi' });
 * await fake.close();
 * ```
 */
export async function startFakeWechat(options: FakeWechatOptions = {}): Promise<FakeWechat> {
  const appId = options.appId ?? 'wx0000000000000001';
  const appSecret = options.appSecret ?? 'fake-secret';
  const ttlMs = (options.tokenTtlSeconds ?? 7200) * 1000;
  const calls: FakeWechatCall[] = [];
  const sent: FakeWechatSent[] = [];
  const failures: FakeWechatFailure[] = [];
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const watcher = watchSent(sent, {
    name: 'WeChat',
    describe: (m) => `${m.msgtype} to ${m.openid}: ${JSON.stringify(m.text ?? m.templateId ?? '')}`,
    defaultTimeoutMs: DEFAULT_TIMEOUT_MS,
  });
  let tokenFetches = 0;
  let tokenSerial = 0;
  let nextMsgid = 1;
  let menu: unknown;

  const issueToken = (): Answer => {
    const now = Date.now();
    for (const [token, expiry] of tokens) tokens.set(token, Math.min(expiry, now + OVERLAP_MS));
    const token = `fake-token-${++tokenSerial}-${Math.random().toString(36).slice(2, 10)}`;
    tokens.set(token, now + ttlMs);
    return { ...OK, access_token: token, expires_in: ttlMs / 1000 };
  };

  const checkToken = (token: string | undefined): Answer | undefined => {
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    const expiry = tokens.get(token);
    if (expiry === undefined) return { errcode: 40001, errmsg: ERRMSGS[40001]! };
    if (expiry <= Date.now()) return { errcode: 42001, errmsg: ERRMSGS[42001]! };
    return undefined;
  };

  const customSend = (body: Record<string, unknown>, token: string): Answer => {
    const openid = body.touser;
    if (typeof openid !== 'string' || openid === '') return { errcode: 40003, errmsg: ERRMSGS[40003]! };
    const msgtype = body.msgtype;
    if (typeof msgtype !== 'string' || !CUSTOM_TYPES.has(msgtype)) return { errcode: 40008, errmsg: 'invalid message type' };
    const content = body[msgtype];
    if (typeof content !== 'object' || content === null) return { errcode: 44002, errmsg: 'empty post data' };
    const record: FakeWechatSent = { api: 'custom', openid, msgtype, body, token, at: Date.now() };
    if (msgtype === 'text') {
      const text = (content as { content?: unknown }).content;
      if (typeof text !== 'string' || text === '') return { errcode: 44004, errmsg: 'empty content' };
      record.text = text;
    }
    if (msgtype === 'news') {
      const articles = (content as { articles?: unknown }).articles;
      if (!Array.isArray(articles) || articles.length === 0) return { errcode: 44003, errmsg: 'empty news data' };
      // Since 2018 a news message carries one article (https://developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage).
      if (articles.length > 1) return { errcode: 45008, errmsg: 'article size out of limit' };
    }
    if (msgtype === 'msgmenu') {
      const { head_content: head, list } = content as { head_content?: unknown; list?: unknown };
      if (!Array.isArray(list) || list.length === 0) return { errcode: 47001, errmsg: 'data format error: msgmenu.list is empty' };
      const valid = list.every((item) => typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string' && typeof (item as { content?: unknown }).content === 'string');
      if (!valid) return { errcode: 47001, errmsg: 'data format error: msgmenu.list items need id and content strings' };
      if (typeof head === 'string') record.text = head;
    }
    sent.push(record);
    return OK;
  };

  const templateSend = (body: Record<string, unknown>, token: string): Answer => {
    const openid = body.touser;
    if (typeof openid !== 'string' || openid === '') return { errcode: 40003, errmsg: ERRMSGS[40003]! };
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || templateId === '' || (options.templates && !options.templates.includes(templateId))) {
      return { errcode: 40037, errmsg: ERRMSGS[40037]! };
    }
    const data = body.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return { errcode: 47001, errmsg: 'data format error: data must be an object' };
    for (const field of Object.values(data as Record<string, unknown>)) {
      if (typeof field !== 'object' || field === null || typeof (field as { value?: unknown }).value !== 'string') {
        return { errcode: 47001, errmsg: 'data format error: each data field needs a string value' };
      }
    }
    const msgid = nextMsgid++;
    const record: FakeWechatSent = {
      api: 'template',
      openid,
      msgtype: 'template',
      templateId,
      data: data as Record<string, { value: string; color?: string }>,
      msgid,
      body,
      token,
      at: Date.now(),
    };
    if (typeof body.url === 'string') record.url = body.url;
    sent.push(record);
    return { ...OK, msgid };
  };

  const menuCreate = (body: Record<string, unknown>): Answer => {
    const buttons = body.button;
    if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > 3) return { errcode: 40016, errmsg: 'invalid button size' };
    menu = body;
    return OK;
  };

  const menuGet = (): Answer => {
    if (menu === undefined) return { errcode: 46003, errmsg: 'menu no exist' };
    // WeChat answers every leaf with an empty `sub_button`.
    const button = (menu as { button: Array<Record<string, unknown>> }).button.map((b) =>
      Array.isArray(b.sub_button) ? { ...b, sub_button: b.sub_button.map((s: Record<string, unknown>) => ({ ...s, sub_button: [] })) } : { ...b, sub_button: [] },
    );
    return { menu: { button, menuid: 1 } } as unknown as Answer;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const raw = await readRequestBody(request);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return finish(response, { path, method: request.method ?? 'GET', query, body: raw.toString('utf8'), at: Date.now(), errcode: 47001 }, { errcode: 47001, errmsg: 'data format error' });
      }
    }
    const record: FakeWechatCall = { path, method: request.method ?? 'GET', query, body, errcode: 0, at: Date.now() };
    const isToken = path === '/cgi-bin/token';
    if (isToken) tokenFetches++;
    const failureAt = failures.findIndex((f) => (f.path === undefined ? !isToken : f.path === path));
    if (failureAt !== -1) {
      const [failure] = failures.splice(failureAt, 1);
      if (failure && 'status' in failure) {
        record.errcode = failure.status;
        calls.push(record);
        response.writeHead(failure.status, { 'content-type': 'text/html' }).end(`<html><body>${failure.status}</body></html>`);
        return watcher.notify();
      }
      if (failure && 'errcode' in failure) return finish(response, record, { errcode: failure.errcode, errmsg: failure.errmsg ?? ERRMSGS[failure.errcode] ?? 'error' });
    }
    if (isToken) {
      if (query.grant_type !== 'client_credential') return finish(response, record, { errcode: 40002, errmsg: 'invalid grant_type' });
      if (query.appid !== appId) return finish(response, record, { errcode: 40013, errmsg: ERRMSGS[40013]! });
      if (query.secret !== appSecret) return finish(response, record, { errcode: 40125, errmsg: ERRMSGS[40125]! });
      return finish(response, record, issueToken());
    }
    const routes: Record<string, { method: 'GET' | 'POST'; run: (body: Record<string, unknown>, token: string) => Answer }> = {
      '/cgi-bin/message/custom/send': { method: 'POST', run: customSend },
      '/cgi-bin/message/template/send': { method: 'POST', run: templateSend },
      '/cgi-bin/menu/create': { method: 'POST', run: menuCreate },
      '/cgi-bin/menu/get': { method: 'GET', run: menuGet },
    };
    const route = routes[path];
    if (!route) {
      record.errcode = 404;
      calls.push(record);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return watcher.notify();
    }
    const refused = checkToken(query.access_token);
    if (refused) return finish(response, record, refused);
    if (route.method === 'POST' && request.method !== 'POST') return finish(response, record, { errcode: 43002, errmsg: 'require POST method' });
    if (route.method === 'POST' && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      return finish(response, record, { errcode: 44002, errmsg: 'empty post data' });
    }
    return finish(response, record, route.run((body ?? {}) as Record<string, unknown>, query.access_token!));
  };

  const finish = (response: ServerResponse, record: FakeWechatCall, answer: Answer): void => {
    record.errcode = answer.errcode ?? 0;
    calls.push(record);
    // WeChat answers errors with HTTP 200 and the errcode in the body.
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer));
    watcher.notify();
  };

  const loopback = await startLoopbackServer(handle, (response, error) =>
    response.writeHead(500, { 'content-type': 'text/plain' }).end(`fake WeChat failed: ${String(error)}`),
  );

  return {
    apiRoot: loopback.origin,
    appId,
    appSecret,
    calls,
    sent,
    get tokenFetches() {
      return tokenFetches;
    },
    get menu() {
      return menu;
    },
    waitFor: watcher.waitFor,
    expireTokens() {
      const now = Date.now();
      for (const token of tokens.keys()) tokens.set(token, now);
    },
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    reset() {
      calls.length = 0;
      sent.length = 0;
      failures.length = 0;
      tokens.clear();
      tokenFetches = 0;
      nextMsgid = 1;
      menu = undefined;
    },
    close: loopback.close,
  };
}
