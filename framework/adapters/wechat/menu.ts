/**
 * An official account's custom menu (自定义菜单), declared in code, checked against WeChat's
 * limits before it is published, and read back.
 *
 * Limits from the menu API (https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu):
 * 1–3 top-level buttons, 1–5 sub-buttons under each; a name of at most 16 bytes at the top
 * level and 60 bytes in a sub-menu (UTF-8: a Chinese character is 3 bytes); a `key` of at most
 * 128 bytes; a `url` of at most 1024 bytes. A button either has a `type` or `sub_button`, not both.
 * Field names are WeChat's own, so a menu read back with `readWechatMenu` has the same shape.
 */
import { z } from 'zod';
import { ConfigError } from '../../core/errors';
import type { WechatApi } from './api';
import { WechatApiError } from './api';

/** Button types that push an event with the button's `key` to the bot. */
const KEY_TYPES = ['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select'] as const;

/** A button that pushes an event carrying `key` (a click, a scan, a photo, a location pick). */
export interface WechatKeyButton {
  type: (typeof KEY_TYPES)[number];
  name: string;
  /** Sent back in the event's `EventKey`; at most 128 bytes. */
  key: string;
}
/** A button that opens a web page. */
export interface WechatViewButton {
  type: 'view';
  name: string;
  url: string;
}
/** A button that opens a mini program page (`url` for clients that cannot). */
export interface WechatMiniprogramButton {
  type: 'miniprogram';
  name: string;
  url: string;
  appid: string;
  pagepath: string;
}
/** A button that sends or opens permanent material. */
export interface WechatMediaButton {
  type: 'media_id' | 'view_limited';
  name: string;
  media_id: string;
}
/** A button that sends or opens a published article. */
export interface WechatArticleButton {
  type: 'article_id' | 'article_view_limited';
  name: string;
  article_id: string;
}
/** A button that does something when pressed. */
export type WechatLeafButton = WechatKeyButton | WechatViewButton | WechatMiniprogramButton | WechatMediaButton | WechatArticleButton;
/** A top-level button that opens a sub-menu. */
export interface WechatParentButton {
  name: string;
  sub_button: WechatLeafButton[];
}
/** A custom menu: 1–3 top-level buttons. */
export interface WechatMenu {
  button: Array<WechatLeafButton | WechatParentButton>;
}

const bytes = (field: string, max: number) =>
  z
    .string({ error: `${field} must be a string` })
    .min(1, `${field} must not be empty`)
    .refine((value) => Buffer.byteLength(value, 'utf8') <= max, {
      error: (issue) => `${field} is ${Buffer.byteLength(String(issue.input), 'utf8')} bytes; WeChat allows at most ${max} (UTF-8, a Chinese character is 3 bytes)`,
    });

const leafButton = (nameBytes: number) =>
  z.discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.enum(KEY_TYPES), name: bytes('name', nameBytes), key: bytes('key', 128) }),
      z.strictObject({ type: z.literal('view'), name: bytes('name', nameBytes), url: bytes('url', 1024) }),
      z.strictObject({
        type: z.literal('miniprogram'),
        name: bytes('name', nameBytes),
        url: bytes('url', 1024),
        appid: bytes('appid', 64),
        pagepath: bytes('pagepath', 1024),
      }),
      z.strictObject({ type: z.enum(['media_id', 'view_limited']), name: bytes('name', nameBytes), media_id: bytes('media_id', 128) }),
      z.strictObject({ type: z.enum(['article_id', 'article_view_limited']), name: bytes('name', nameBytes), article_id: bytes('article_id', 128) }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `type must be one of ${[...KEY_TYPES, 'view', 'miniprogram', 'media_id', 'view_limited', 'article_id', 'article_view_limited'].join(', ')} (or give sub_button instead, at the top level)`
          : undefined,
    },
  );

const subButton = leafButton(60);
const parentButton = z.strictObject({
  name: bytes('name', 16),
  sub_button: z.array(subButton).min(1, 'sub_button needs at least 1 button').max(5, 'sub_button may hold at most 5 buttons (WeChat allows 1-5)'),
}, {
  error: (issue) =>
    issue.code === 'unrecognized_keys'
      ? `a button with sub_button only opens its sub-menu: remove ${issue.keys.join(', ')} (WeChat allows type or sub_button, not both)`
      : undefined,
});
const topLeafButton = leafButton(16);

// A union of parent and leaf would report "Invalid input" for both; choosing the branch by
// `sub_button` reports the real field instead.
const topLevelButton = z.unknown().transform((value, ctx): WechatLeafButton | WechatParentButton => {
  const schema = typeof value === 'object' && value !== null && 'sub_button' in value ? parentButton : topLeafButton;
  const result = schema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  }
  return result.data;
});

/**
 * Zod schema of a custom menu, with WeChat's limits. Errors name the field, e.g.
 * `button: at most 3 top-level buttons` or `button.1.sub_button.0.key: …`.
 */
export const wechatMenuSchema: z.ZodType<WechatMenu, unknown> = z.strictObject({
  button: z
    .array(topLevelButton, { error: 'button must be an array of 1-3 buttons' })
    .min(1, 'button needs at least 1 top-level button')
    .max(3, 'button may hold at most 3 top-level buttons (WeChat allows 1-3)'),
});

/**
 * Validate a menu declared in code. Throws `ConfigError` naming the first wrong field.
 *
 * @example
 * ```ts
 * const menu = parseWechatMenu({
 *   button: [
 *     { type: 'click', name: '叫车', key: 'taxi' },
 *     { name: '账单', sub_button: [{ type: 'view', name: '我的账单', url: 'https://example.com/bills' }] },
 *   ],
 * });
 * ```
 */
export function parseWechatMenu(input: unknown, path = 'menu'): WechatMenu {
  const result = wechatMenuSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = [path, ...issue.path.map(String)].join('.');
  throw new ConfigError(where, issue.message, { cause: result.error });
}

/**
 * Publish a menu (POST /cgi-bin/menu/create), replacing the account's current one. The menu
 * is validated first, so a wrong menu fails here with the field named rather than with
 * WeChat's bare 40016/40018. Clients refresh their menu within about 5 minutes.
 *
 * @example
 * ```ts
 * await publishWechatMenu(api, { button: [{ type: 'click', name: '叫车', key: 'taxi' }] });
 * ```
 */
export async function publishWechatMenu(api: WechatApi, menu: WechatMenu): Promise<void> {
  await api.call('/cgi-bin/menu/create', parseWechatMenu(menu));
}

/**
 * The menu published through the API (GET /cgi-bin/menu/get,
 * https://developers.weixin.qq.com/doc/service/api/custommenu/api_getmenu), or `undefined`
 * when the account has none (errcode 46003). Menus set by hand on the platform's website are
 * only visible through /cgi-bin/get_current_selfmenu_info, in another shape; Kiosk reads what
 * it publishes.
 */
export async function readWechatMenu(api: WechatApi): Promise<WechatMenu | undefined> {
  let answer: Record<string, unknown>;
  try {
    answer = await api.call('/cgi-bin/menu/get');
  } catch (error) {
    if (error instanceof WechatApiError && error.errcode === 46003) return undefined;
    throw error;
  }
  const menu = z.object({ menu: z.object({ button: z.array(z.looseObject({})) }) }).safeParse(answer);
  if (!menu.success) return undefined;
  // WeChat adds `sub_button: []` to every leaf and may add fields of its own: drop both.
  const button = menu.data.menu.button.map((raw) => {
    const children = Array.isArray(raw.sub_button) ? raw.sub_button : [];
    if (children.length > 0) return { name: raw.name, sub_button: children.map((child: unknown) => leafOf(child)) };
    return leafOf(raw);
  });
  // Validated when it still fits the schema; a menu with types Kiosk does not model is returned as WeChat gave it.
  const parsed = wechatMenuSchema.safeParse({ button });
  return parsed.success ? parsed.data : ({ button } as unknown as WechatMenu);
}

const LEAF_FIELDS = ['type', 'name', 'key', 'url', 'appid', 'pagepath', 'media_id', 'article_id'] as const;

function leafOf(raw: unknown): Record<string, unknown> {
  const source = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  return Object.fromEntries(LEAF_FIELDS.filter((field) => source[field] !== undefined).map((field) => [field, source[field]]));
}
