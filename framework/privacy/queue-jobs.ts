/**
 * A customer's jobs in every BullMQ queue of the deployment: inbound updates (an `Update`
 * with the sender), jobs (a `JobEnvelope` with the conversation) and outbound messages (a
 * `DeliveryJob` with the conversation), in every state BullMQ keeps. Read a page at a time;
 * only the customer's jobs are kept in memory.
 */
import { Queue, type Job, type JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Account } from '../identity/account';

/** The states a job can be found in; `active` jobs are being run by a worker right now. */
const STATES: readonly JobState[] = ['active', 'waiting', 'waiting-children', 'prioritized', 'delayed', 'completed', 'failed'];

const PAGE = 500;

/** Whose a job is: the conversation it carries, or the sender of the update it is. */
interface Owner {
  bot: string;
  platform: string;
  chat: string;
  user: string;
}

/** One of the customer's jobs. */
export interface FoundJob {
  queue: string;
  state: JobState;
  job: Job;
}

/** What kind of queue a name is: the three kinds Kiosk creates, or another (a business's own). */
export function queueKind(name: string): 'inbound' | 'delivery' | 'job' {
  if (/^inbound-\d+$/.test(name)) return 'inbound';
  if (name.startsWith('delivery-')) return 'delivery';
  return 'job';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The owner of a job's data, if it has one Kiosk knows how to read. */
export function ownerOf(data: unknown): Owner | undefined {
  if (!isRecord(data)) return undefined;
  const conversation = data.conversation;
  if (isRecord(conversation) && typeof conversation.platform === 'string' && typeof conversation.user === 'string') {
    return { bot: String(conversation.bot), platform: conversation.platform, chat: String(conversation.chat), user: conversation.user };
  }
  const { from, chat } = data;
  if (typeof data.platform === 'string' && isRecord(from) && typeof from.id === 'string' && isRecord(chat) && typeof chat.id === 'string') {
    return { bot: String(data.bot), platform: data.platform, chat: chat.id, user: from.id };
  }
  return undefined;
}

/** Whether a job's data belongs to one of the accounts (as sender, or as the one-to-one chat). */
export function belongsTo(data: unknown, accounts: readonly Account[], bot?: string): boolean {
  const owner = ownerOf(data);
  if (!owner || (bot && owner.bot !== bot)) return false;
  return accounts.some((a) => a.platform === owner.platform && (a.user === owner.user || a.user === owner.chat));
}

/**
 * Every job of the accounts in the named queues, with its state. `open` creates the queues
 * on the given connection; they are closed before this resolves.
 */
export async function findJobs(redis: Redis, prefix: string, queues: readonly string[], accounts: readonly Account[], bot?: string): Promise<FoundJob[]> {
  const found: FoundJob[] = [];
  for (const name of queues) {
    const queue = new Queue(name, { connection: redis, prefix });
    queue.on('error', () => undefined);
    try {
      for (const state of STATES) {
        for (let start = 0; ; start += PAGE) {
          const page = await queue.getJobs([state], start, start + PAGE - 1, true);
          for (const job of page) if (job && belongsTo(job.data, accounts, bot)) found.push({ queue: name, state, job });
          if (page.length < PAGE) break;
        }
      }
    } finally {
      await queue.close();
    }
  }
  return found;
}

/**
 * Remove jobs that no worker holds. Active jobs cannot be removed (BullMQ refuses while a
 * worker holds the lock): they are counted in `active` and finish as usual.
 */
export async function removeJobs(jobs: readonly FoundJob[]): Promise<{ removed: FoundJob[]; active: number }> {
  const removed: FoundJob[] = [];
  let active = 0;
  for (const found of jobs) {
    try {
      await found.job.remove({ removeChildren: true });
      removed.push(found);
    } catch {
      // Locked by a worker (active) or moved to active since it was read.
      active++;
    }
  }
  return { removed, active };
}

/**
 * Remove the entries of queues' event streams that name the customer's jobs (BullMQ records
 * `added`, `completed`, `removed`… with the job id, and Kiosk's job ids may contain a chat id).
 * Resolves with how many entries were removed.
 */
export async function removeJobEvents(redis: Redis, prefix: string, queues: readonly string[], jobIds: ReadonlySet<string>, accounts: readonly Account[]): Promise<number> {
  // Ids escaped as Kiosk escapes them in job ids; short ids would match unrelated jobs by chance.
  const needles = accounts.map((a) => a.user.replace(/%/g, '%25').replace(/:/g, '%3A')).filter((u) => u.length >= 6);
  let removed = 0;
  for (const name of queues) {
    const key = `${prefix}:${name}:events`;
    let start = '-';
    for (;;) {
      const entries = await redis.xrange(key, start, '+', 'COUNT', 1000);
      const doomed: string[] = [];
      for (const [id, fields] of entries) {
        for (let i = 0; i + 1 < fields.length; i += 2) {
          const value = fields[i + 1]!;
          if ((fields[i] === 'jobId' && jobIds.has(value)) || needles.some((n) => value.includes(n))) {
            doomed.push(id);
            break;
          }
        }
      }
      if (doomed.length) removed += await redis.xdel(key, ...doomed);
      if (entries.length < 1000) break;
      start = `(${entries[entries.length - 1]![0]}`;
    }
  }
  return removed;
}
