/**
 * A customer's right to erasure: remove everything Kiosk (and, through its hooks, the
 * business) holds about them, across every linked account.
 *
 * Order matters, so that an erasure that fails half-way can simply be run again:
 * 1. the business hooks (they need the customer id and accounts);
 * 2. the customer's jobs, so no worker picks up their pending updates or messages;
 * 3. the keys (sessions, flows, windows, numbered choices, web-chat history, LINE tokens, delivery records,
 *    broadcast entries, passive replies) and the queue events naming their jobs;
 * 4. last, the identity links, which are how the other accounts are found.
 *
 * A job a worker is running right now cannot be removed (BullMQ holds its lock): it is
 * counted in `activeJobs`, runs to its end (and may write a session or send a message as it
 * does), and is then kept as a finished job for `retention.finishedJobDays`. Run the erasure
 * again once `activeJobs` is 0 on a second run; the CLI says so.
 */
import { findCustomerData, type CustomerLookup, type PrivacyParts } from './findings';
import type { Account } from '../identity/account';
import { queueKind, removeJobEvents, removeJobs } from './queue-jobs';

/** How much of each kind was removed. */
export interface ErasureCounts {
  sessions: number;
  flows: number;
  serviceWindows: number;
  numberedChoices: number;
  deliveries: number;
  inboundUpdates: number;
  jobs: number;
  outboundMessages: number;
  webchatStreams: number;
  lineKeys: number;
  broadcastEntries: number;
  passiveReplies: number;
  queueEvents: number;
  identityKeys: number;
  /** Records the business hooks removed. */
  business: number;
}

/** What an erasure did. */
export interface CustomerErasure {
  customerId: string;
  accounts: Account[];
  bot?: string;
  counts: ErasureCounts;
  /** Jobs being run by a worker, which could not be removed: erase again once they finish. */
  activeJobs: number;
}

/**
 * Erase everything held about the customer who has `user` on `platform`, and about every
 * account linked to it. With `bot`, only that bot's data is erased and the links are kept.
 *
 * @example
 * ```ts
 * const erased = await eraseCustomerData(kiosk, { platform: 'webchat', user: visitor });
 * if (erased.activeJobs > 0) console.log('some jobs were running; erase again in a minute');
 * ```
 */
export async function eraseCustomerData(parts: PrivacyParts, lookup: CustomerLookup): Promise<CustomerErasure> {
  const findings = await findCustomerData(parts, lookup);
  const { redis } = parts;
  const { prefix } = parts.config;
  const { keys, subject } = findings;

  let business = 0;
  for (const hook of parts.privacyHooks ?? []) business += Number((await hook.erase(subject)) ?? 0);

  const { removed, active } = await removeJobs(findings.jobs);
  const removedOf = (kind: ReturnType<typeof queueKind>) => removed.filter((j) => queueKind(j.queue) === kind).length;

  const del = async (list: readonly string[]) => (list.length ? redis.del(...list) : 0);
  const indexKeys = findings.deliveryRecords.flatMap((r) => (r.fields.platformMessageId ? [`${prefix}:delivered-by-message:${r.fields.platform}:${r.fields.platformMessageId}`] : []));
  await del(indexKeys);
  let broadcastEntries = 0;
  for (const b of findings.broadcasts) broadcastEntries += await redis.srem(b.key, ...b.members);

  const counts: ErasureCounts = {
    sessions: await del(keys.sessions),
    flows: (await del(keys.flows)) + (await del(keys.flowLocks)),
    serviceWindows: await del(keys.windows),
    numberedChoices: await del(keys.choices),
    deliveries: await del(findings.deliveryRecords.map((r) => r.key)),
    inboundUpdates: removedOf('inbound'),
    jobs: removedOf('job'),
    outboundMessages: removedOf('delivery'),
    webchatStreams: await del(keys.webchatStreams),
    lineKeys: await del(keys.lineKeys),
    broadcastEntries,
    passiveReplies: await del(findings.passiveReplies),
    queueEvents: await removeJobEvents(redis, prefix, keys.queues, new Set(removed.map((j) => j.job.id!)), subject.accounts),
    identityKeys: subject.bot ? 0 : await parts.identity.forget(subject.accounts),
    business,
  };
  return { customerId: subject.id, accounts: subject.accounts, ...(subject.bot ? { bot: subject.bot } : {}), counts, activeJobs: active };
}
