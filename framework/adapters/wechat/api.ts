/**
 * A small client of the WeChat Official Account API: JSON in, JSON out, `?access_token=` on
 * every call, and one retry with a fresh token when WeChat says the token is no longer valid.
 * Sending, menus and anything else are built on `call`.
 */
import type { AccessTokenSource } from './access-token';

/** What every WeChat API answer may carry besides its own fields. */
export interface WechatAnswer {
  /** 0 or absent on success. */
  errcode?: number;
  errmsg?: string;
  [field: string]: unknown;
}

/** Options of `createWechatApi`. */
export interface WechatApiOptions {
  /** Where the access_token comes from (shared through Redis by every process). */
  tokens: AccessTokenSource;
  /** Base URL of the API. @defaultValue none; the adapter's settings default it to `'https://api.weixin.qq.com'` */
  apiRoot: string;
  /** The HTTP client. @defaultValue the global `fetch` */
  fetch?: typeof fetch;
  /** Abort a call after this long. @defaultValue `10000` */
  timeoutMs?: number;
}

/** The client `createWechatApi` returns. */
export interface WechatApi {
  /**
   * Call `path` (e.g. `'/cgi-bin/message/custom/send'`): POST `body` as JSON, or GET when
   * there is no body. Resolves with the parsed answer when its errcode is 0 or absent; throws
   * `WechatApiError` for any other errcode, `WechatHttpError` for an HTTP failure or a body
   * that is not JSON, and the network's own error when WeChat cannot be reached.
   */
  call(path: string, body?: unknown): Promise<WechatAnswer>;
}

/**
 * WeChat answered a non-zero `errcode`. `classifyWechatError` (in `send.ts`) turns it into a
 * delivery outcome. Codes: https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
 */
export class WechatApiError extends Error {
  /** WeChat's error code, e.g. `45015`. */
  readonly errcode: number;
  /** WeChat's message, e.g. `'response out of time limit or subscription is canceled'`. */
  readonly errmsg: string;
  /** The API path that failed, e.g. `'/cgi-bin/message/custom/send'`. */
  readonly path: string;

  constructor(path: string, errcode: number, errmsg: string) {
    super(`WeChat ${path} failed with errcode ${errcode}: ${errmsg}`);
    this.name = 'WechatApiError';
    this.path = path;
    this.errcode = errcode;
    this.errmsg = errmsg;
  }
}

/** WeChat (or a proxy in front of it) answered an HTTP error, or a body that is not JSON. */
export class WechatHttpError extends Error {
  /** The HTTP status. */
  readonly status: number;
  readonly path: string;

  constructor(path: string, status: number, detail: string) {
    super(`WeChat ${path} answered HTTP ${status}: ${detail}`);
    this.name = 'WechatHttpError';
    this.path = path;
    this.status = status;
  }
}

/**
 * Errcodes meaning the access_token is no longer accepted: 40001 (invalid or not the latest),
 * 40014 (not a valid token), 42001 (expired).
 */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/**
 * Create a WeChat API client.
 *
 * @example
 * ```ts
 * const api = createWechatApi({ tokens, apiRoot: 'https://api.weixin.qq.com' });
 * await api.call('/cgi-bin/message/custom/send', { touser: openid, msgtype: 'text', text: { content: 'Hi' } });
 * const { menu } = await api.call('/cgi-bin/menu/get');
 * ```
 */
export function createWechatApi(options: WechatApiOptions): WechatApi {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  const once = async (path: string, token: string, body: unknown): Promise<WechatAnswer> => {
    const url = new URL(path, options.apiRoot);
    url.searchParams.set('access_token', token);
    const init: RequestInit = { signal: AbortSignal.timeout(timeoutMs) };
    if (body !== undefined) {
      init.method = 'POST';
      // JSON.stringify keeps Chinese as UTF-8, as WeChat wants: it refuses `\uXXXX` escapes (40033).
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json; charset=utf-8' };
    }
    const response = await fetchImpl(url, init);
    const text = await response.text();
    if (!response.ok) throw new WechatHttpError(path, response.status, text.slice(0, 200) || response.statusText);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WechatHttpError(path, response.status, `the body is not JSON: ${text.slice(0, 200)}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new WechatHttpError(path, response.status, 'the body is not a JSON object');
    }
    return json as WechatAnswer;
  };

  return {
    async call(path, body) {
      const token = await options.tokens.get();
      let answer = await once(path, token, body);
      if (typeof answer.errcode === 'number' && TOKEN_ERRCODES.has(answer.errcode)) {
        // The token was replaced by another fetch or expired early: refresh once (one fetch
        // across all processes) and try once more.
        const fresh = await options.tokens.refresh(token);
        answer = await once(path, fresh, body);
      }
      const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
      if (errcode !== 0) throw new WechatApiError(path, errcode, typeof answer.errmsg === 'string' ? answer.errmsg : '');
      return answer;
    },
  };
}
