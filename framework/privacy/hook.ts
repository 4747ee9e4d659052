/**
 * The business's side of a customer's data rights. Kiosk finds and removes what it holds
 * itself (sessions, flows, queued and finished jobs, deliveries, web-chat history…); the
 * records a business keeps in its own tables (accounts, rides, bills, seats) only the
 * business can find, so it gives Kiosk a hook for them.
 */
import type { Account } from '../identity/account';

/** Whose data: a Kiosk customer and every account of theirs. */
export interface PrivacySubject {
  /** The stable Kiosk customer id (`ctx.customer.id`): key business records by it. */
  id: string;
  /** Every linked account (platform and user id); the one asked about is among them. */
  accounts: Account[];
  /** When set, only this bot's data is asked for; identity links are then kept. */
  bot?: string;
}

/**
 * Export and erase a customer's business records. Pass one or several to
 * `createKiosk({ privacy })`; `exportCustomerData` puts each hook's export under
 * `business.<name>`, `eraseCustomerData` adds each hook's count to `counts.business`.
 *
 * `export` must return JSON-serialisable data. `erase` must be idempotent (an erasure that
 * failed half-way is run again) and resolve with how many records it removed.
 *
 * @example
 * ```ts
 * createKiosk({
 *   config, bots: [taxi],
 *   privacy: {
 *     name: 'rides',
 *     export: async (customer) => ({ rides: await rides.byCustomer(customer.id) }),
 *     erase: async (customer) => rides.deleteByCustomer(customer.id),
 *   },
 * });
 * ```
 */
export interface CustomerDataHook {
  /** Names this hook's part of an export. @defaultValue `'business'` (then `'business-2'`, …) */
  readonly name?: string;
  /** Everything the business holds about the customer, JSON-serialisable. */
  export(customer: PrivacySubject): unknown;
  /** Remove everything the business holds about the customer; resolve with how many records. */
  erase(customer: PrivacySubject): number | void | Promise<number | void>;
}

/** The hooks as `createKiosk({ privacy })` accepts them, as a list. */
export function privacyHooksOf(privacy: CustomerDataHook | readonly CustomerDataHook[] | undefined): readonly CustomerDataHook[] {
  if (!privacy) return [];
  return Array.isArray(privacy) ? (privacy as readonly CustomerDataHook[]) : [privacy as CustomerDataHook];
}

/** The name a hook's export goes under. */
export function hookName(hook: CustomerDataHook, index: number): string {
  return hook.name ?? (index === 0 ? 'business' : `business-${index + 1}`);
}
