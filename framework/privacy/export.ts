/**
 * A customer's right of access: everything Kiosk (and, through its hooks, the business) holds
 * about them, across every linked account, as plain JSON grouped by kind.
 */
import type { JobState } from 'bullmq';
import type { Account } from '../identity/account';
import { findCustomerData, type CustomerLookup, type PrivacyParts } from './findings';
import { hookName } from './hook';
import { queueKind, type FoundJob } from './queue-jobs';

/** One job of the customer's, as exported. */
export interface ExportedJob {
  queue: string;
  id: string;
  name: string;
  state: JobState;
  /** What the job carries: the update, the job's data and conversation, or the outbound message. */
  data: unknown;
  /** When it was queued, ISO 8601. */
  queuedAt: string;
  finishedAt?: string;
  result?: unknown;
  failedReason?: string;
}

/** A stored value and how long it still lives. */
export interface ExportedValue {
  key: string;
  value: unknown;
  /** Seconds until it expires; `null` when it does not. */
  expiresInSeconds: number | null;
}

/** Everything held about one customer, by kind. JSON-serialisable. */
export interface CustomerExport {
  customer: { id: string; accounts: Account[]; linkCodeLive: boolean };
  /** The bot the export was limited to, if any. */
  bot?: string;
  exportedAt: string;
  sessions: ExportedValue[];
  flows: ExportedValue[];
  serviceWindows: ExportedValue[];
  /** The buttons last sent, remembered so a typed number presses one. */
  numberedChoices: ExportedValue[];
  /** Records of messages sent to the customer (sent, delivered, read, failed). */
  deliveries: Array<Record<string, string> & { deliveryId: string }>;
  /** Updates the customer sent that are queued or kept for de-duplication. */
  inboundUpdates: ExportedJob[];
  /** Jobs run for the customer (a ride dispatch, a bill), pending or kept. */
  jobs: ExportedJob[];
  /** Messages to the customer waiting to be sent, or kept after sending. */
  outboundMessages: ExportedJob[];
  /** Replies kept in web-chat streams for pages that reconnect. */
  webchatReplies: Array<{ key: string; replies: Array<{ id: string; message: unknown }> }>;
  /** LINE reply tokens and retry keys held for the customer's chat (their values are credentials, not exported). */
  lineKeys: Array<{ key: string; expiresInSeconds: number | null }>;
  /** Broadcasts the customer was sent. */
  broadcasts: string[];
  /** Each business hook's export, by the hook's name. */
  business: Record<string, unknown>;
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);

function parseJson(raw: string | null): unknown {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function fieldOf(fields: readonly string[], name: string): unknown {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return parseJson(fields[i + 1]!);
  return null;
}

function exportJob({ queue, state, job }: FoundJob): ExportedJob {
  const exported: ExportedJob = { queue, id: job.id!, name: job.name, state, data: job.data, queuedAt: iso(job.timestamp)! };
  if (job.finishedOn) exported.finishedAt = iso(job.finishedOn)!;
  if (job.returnvalue !== undefined && job.returnvalue !== null) exported.result = job.returnvalue;
  if (job.failedReason) exported.failedReason = job.failedReason;
  return exported;
}

/**
 * Export everything held about the customer who has `user` on `platform`, and about every
 * account linked to it. Reads only; safe while Kiosk runs.
 *
 * @example
 * ```ts
 * const data = await exportCustomerData(kiosk, { platform: 'telegram', user: '42' });
 * writeFileSync('customer-42.json', JSON.stringify(data, null, 2));
 * ```
 */
export async function exportCustomerData(parts: PrivacyParts, lookup: CustomerLookup): Promise<CustomerExport> {
  const findings = await findCustomerData(parts, lookup);
  const { redis } = parts;
  const { keys, subject } = findings;
  const values = async (list: readonly string[], read: (key: string) => Promise<unknown>): Promise<ExportedValue[]> =>
    Promise.all(
      list.map(async (key) => {
        const [value, ttl] = await Promise.all([read(key), redis.ttl(key)]);
        return { key, value, expiresInSeconds: ttl >= 0 ? ttl : null };
      }),
    );
  const live = await Promise.all(subject.accounts.map((a) => parts.identity.hasLiveCode(a)));
  const business: Record<string, unknown> = {};
  for (const [index, hook] of (parts.privacyHooks ?? []).entries()) business[hookName(hook, index)] = await hook.export(subject);

  const result: CustomerExport = {
    customer: { id: subject.id, accounts: subject.accounts, linkCodeLive: live.some(Boolean) },
    ...(subject.bot ? { bot: subject.bot } : {}),
    exportedAt: new Date().toISOString(),
    sessions: await values(keys.sessions, async (key) => parseJson(await redis.get(key))),
    flows: await values(keys.flows, async (key) => parseJson(await redis.get(key))),
    serviceWindows: await values(keys.windows, async (key) => (key.endsWith(':sent') ? { messagesSent: await redis.scard(key) } : redis.hgetall(key))),
    numberedChoices: await values(keys.choices, async (key) => parseJson(await redis.get(key))),
    deliveries: findings.deliveryRecords.map((r) => ({ ...r.fields, deliveryId: r.deliveryId })),
    inboundUpdates: findings.jobs.filter((j) => queueKind(j.queue) === 'inbound').map(exportJob),
    jobs: findings.jobs.filter((j) => queueKind(j.queue) === 'job').map(exportJob),
    outboundMessages: findings.jobs.filter((j) => queueKind(j.queue) === 'delivery').map(exportJob),
    webchatReplies: await Promise.all(
      keys.webchatStreams.map(async (key) => ({
        key,
        replies: (await redis.xrange(key, '-', '+')).map(([id, fields]) => ({ id, message: fieldOf(fields, 'message') })),
      })),
    ),
    lineKeys: (await values(keys.lineKeys, async () => undefined)).map(({ key, expiresInSeconds }) => ({ key, expiresInSeconds })),
    broadcasts: findings.broadcasts.map((b) => b.id),
    business,
  };
  return result;
}
