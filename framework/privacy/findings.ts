/**
 * Everything Kiosk holds about one customer, found across all their linked accounts: the
 * common first half of an export and an erasure.
 */
import type { Redis } from 'ioredis';
import { PayloadError } from '../core/errors';
import type { IdentityStore } from '../identity/identity-store';
import type { Account } from '../identity/account';
import type { CustomerDataHook, PrivacySubject } from './hook';
import { locateKeys, type LocatedKeys } from './locate';
import { broadcastMember } from '../delivery/broadcast';
import { findJobs, queueKind, type FoundJob } from './queue-jobs';

/** Which customer: one of their accounts, and optionally one bot. */
export interface CustomerLookup {
  /** The platform of one of the customer's accounts, e.g. `'telegram'`. */
  platform: string;
  /** The platform's id for the customer (`ctx.from.id`). */
  user: string;
  /** Only this bot's data; identity links are then kept. @defaultValue every bot */
  bot?: string;
}

/** What exports and erasures need of a running Kiosk; `KioskParts` has it all. */
export interface PrivacyParts {
  readonly config: { readonly prefix: string; readonly bots?: Readonly<Record<string, unknown>> };
  readonly redis: Redis;
  readonly identity: IdentityStore;
  readonly privacyHooks?: readonly CustomerDataHook[];
}

/** One delivery record of the customer's, with its raw fields. */
export interface FoundRecord {
  key: string;
  deliveryId: string;
  fields: Record<string, string>;
}

/** One broadcast list naming the customer. */
export interface FoundBroadcast {
  key: string;
  id: string;
  members: string[];
}

/** Where a customer's data is. */
export interface Findings {
  subject: PrivacySubject;
  keys: LocatedKeys;
  jobs: FoundJob[];
  deliveryRecords: FoundRecord[];
  broadcasts: FoundBroadcast[];
  passiveReplies: string[];
}

/** Check a lookup at the edge: a CLI passes what an operator typed. */
export function checkLookup(lookup: CustomerLookup): Account {
  for (const field of ['platform', 'user'] as const) {
    if (typeof lookup[field] !== 'string' || lookup[field].length === 0) {
      throw new PayloadError(`Say which customer: give ${field} as a non-empty string (the ${field === 'user' ? "platform's id of the customer" : "platform's name"}).`, [field]);
    }
  }
  if (lookup.bot !== undefined && (typeof lookup.bot !== 'string' || lookup.bot.length === 0)) throw new PayloadError('bot, when given, must be a bot name.', ['bot']);
  return { platform: lookup.platform, user: lookup.user };
}

/** Find everything about the customer behind `lookup`, across their linked accounts. */
export async function findCustomerData(parts: PrivacyParts, lookup: CustomerLookup): Promise<Findings> {
  const account = checkLookup(lookup);
  const { redis } = parts;
  const { prefix } = parts.config;
  const customer = await parts.identity.customerOf(account);
  const subject: PrivacySubject = { id: customer.id, accounts: customer.accounts, ...(lookup.bot ? { bot: lookup.bot } : {}) };
  const keys = await locateKeys(redis, prefix, customer.accounts, lookup.bot);
  const jobs = await findJobs(redis, prefix, keys.queues, customer.accounts, lookup.bot);

  const deliveryIds = new Set(jobs.filter((j) => queueKind(j.queue) === 'delivery').map((j) => j.job.id!));
  const deliveryRecords = await readRecords(redis, prefix, keys.deliveryRecords, (id, fields) =>
    deliveryIds.has(id) ||
    ((!lookup.bot || fields.bot === lookup.bot) && customer.accounts.some((a) => a.platform === fields.platform && a.user === fields.chat)),
  );

  // A broadcast's list holds a short hash per recipient (`broadcastMember`): the customer's are computed, per bot.
  const bots = lookup.bot ? [lookup.bot] : Object.keys(parts.config.bots ?? {});
  const candidates = customer.accounts.flatMap((a) => bots.map((bot) => broadcastMember({ bot, platform: a.platform, chat: a.user })));
  const broadcasts: FoundBroadcast[] = [];
  for (const key of keys.broadcastLists) {
    const id = key.slice(`${prefix}:broadcast:`.length, -':queued'.length);
    const present = candidates.length ? await redis.smismember(key, ...candidates) : [];
    const members = candidates.filter((_, i) => present[i] === 1);
    if (members.length) broadcasts.push({ key, id, members });
  }

  const inboundIds = jobs.filter((j) => queueKind(j.queue) === 'inbound').map((j) => j.job.id!);
  const passiveReplies = keys.passiveReplies.filter((key) => inboundIds.some((id) => key.startsWith(`${prefix}:passive:${id}:`)));
  return { subject, keys, jobs, deliveryRecords, broadcasts, passiveReplies };
}

async function readRecords(redis: Redis, prefix: string, keys: readonly string[], keep: (id: string, fields: Record<string, string>) => boolean): Promise<FoundRecord[]> {
  const found: FoundRecord[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const results = (await redis.pipeline(chunk.map((key) => ['hgetall', key])).exec()) ?? [];
    chunk.forEach((key, n) => {
      const [error, fields] = results[n] ?? [];
      if (error || !fields || typeof fields !== 'object') return;
      const deliveryId = key.slice(`${prefix}:delivered:`.length);
      const record = fields as Record<string, string>;
      if (record.state && keep(deliveryId, record)) found.push({ key, deliveryId, fields: record });
    });
  }
  return found;
}
