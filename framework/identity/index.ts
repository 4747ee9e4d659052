/**
 * Identity: one customer, several accounts on several platforms, linked with a one-time code
 * shown on one and typed on another. Handlers use it as `ctx.customer`; privacy exports and
 * erasures use it to reach every account of a customer.
 */
export { IdentityStore } from './identity-store';
export type { IdentityOptions, CustomerIdentity } from './identity-store';
export { accountRef, parseAccountRef } from './account';
export type { Account } from './account';
export { normaliseLinkCode, LINK_CODE_LENGTH } from './link-code';
