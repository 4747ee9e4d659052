/**
 * A customer's account: who they are on one platform. One person may hold several (a
 * Telegram account and a web-chat visitor); linking makes them one Kiosk customer.
 */

/** One account: the platform and the platform's id for the person (`Update.from.id`). */
export interface Account {
  platform: string;
  user: string;
}

const escape = (text: string) => text.replace(/%/g, '%25').replace(/:/g, '%3A');
const unescape = (text: string) => text.replace(/%3A/g, ':').replace(/%25/g, '%');

/**
 * The account as one Redis-safe string, `<platform>:<user>` with `%` and `:` escaped, used in
 * identity keys and sets.
 *
 * @example
 * ```ts
 * accountRef({ platform: 'telegram', user: '42' }); // 'telegram:42'
 * ```
 */
export function accountRef(account: Account): string {
  return `${escape(account.platform)}:${escape(account.user)}`;
}

/** The account an `accountRef` names; `undefined` for a string that is not one. */
export function parseAccountRef(ref: string): Account | undefined {
  const parts = ref.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { platform: unescape(parts[0]), user: unescape(parts[1]) };
}
