/**
 * Where Kiosk keeps data about an account, found in one `SCAN` of the deployment's keys. The
 * key shapes are those of the modules that write them:
 *
 * | kind | key | written by |
 * | --- | --- | --- |
 * | session | `<p>:session:<bot>:<platform>:<user>` (the default key; a one-to-one chat's id is the user's) | `session/` |
 * | flow, flow lease | `<p>:session:flow[-lock]:<bot>:<platform>:<chat>:<user>` | `flow/` |
 * | service window | `<p>:window:<bot>:<platform>:<user>[:sent]` | `delivery/service-window.ts` |
 * | numbered choices | `<p>:choices:<bot>:<platform>:<chat>` (the buttons last sent) | `delivery/numbered-choices.ts` |
 * | web-chat replies | `<p>:webchat:<bot>:<visitor>` (a stream) | `adapters/webchat` |
 * | LINE reply token, retry keys | `<p>:line:reply:<bot>:<chat>`, `<p>:line:retry:<bot>:<chat>:<digest>` | `adapters/line` |
 * | delivery record | `<p>:delivered:<delivery id>` (a hash with `platform` and `chat`) | `delivery/delivery-record.ts` |
 * | broadcast list | `<p>:broadcast:<id>:queued` (a set of `broadcastMember` hashes of bot, platform and chat) | `delivery/broadcast.ts` |
 * | passive reply | `<p>:passive:<inbound job id>:claim|reply` | `delivery/passive-reply.ts` |
 * | BullMQ queue | `<p>:<queue>:meta` and its other keys | `jobs/`, `delivery/` |
 *
 * Sessions under a custom `getKey`, and the sessions of group chats (shared by their members),
 * are not the customer's alone and are not found here: a bot with such keys erases them in its
 * `CustomerDataHook`.
 */
import type { Redis } from 'ioredis';
import type { Account } from '../identity/account';

/** What one scan found for a set of accounts. */
export interface LocatedKeys {
  sessions: string[];
  flows: string[];
  flowLocks: string[];
  windows: string[];
  choices: string[];
  webchatStreams: string[];
  lineKeys: string[];
  /** Every delivery record key: which are the customer's is read from the hashes. */
  deliveryRecords: string[];
  broadcastLists: string[];
  passiveReplies: string[];
  /** Names of BullMQ queues under the prefix. */
  queues: string[];
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The bot part of a key pattern: the bot asked about, or any bot. */
const botPart = (bot: string | undefined) => (bot ? escapeRegex(bot) : '[^:]+');

function patternsFor(prefix: string, account: Account, bot: string | undefined): Array<[keyof LocatedKeys, RegExp]> {
  const p = escapeRegex(prefix);
  const b = botPart(bot);
  const l = escapeRegex(account.platform);
  const u = escapeRegex(account.user);
  const patterns: Array<[keyof LocatedKeys, RegExp]> = [
    ['sessions', new RegExp(`^${p}:session:${b}:${l}:${u}$`)],
    ['flows', new RegExp(`^${p}:session:flow:${b}:${l}:.*:${u}$`)],
    ['flowLocks', new RegExp(`^${p}:session:flow-lock:${b}:${l}:.*:${u}$`)],
    ['windows', new RegExp(`^${p}:window:${b}:${l}:${u}(:sent)?$`)],
    ['choices', new RegExp(`^${p}:choices:${b}:${l}:${u}$`)],
  ];
  if (account.platform === 'webchat') patterns.push(['webchatStreams', new RegExp(`^${p}:webchat:${b}:${u}$`)]);
  if (account.platform === 'line') patterns.push(['lineKeys', new RegExp(`^${p}:line:(reply:${b}:${u}|retry:${b}:${u}:[0-9a-f]+)$`)]);
  return patterns;
}

/**
 * Scan every key under the prefix once and sort out those that belong to the accounts (and
 * the shared places that may mention them). Costs one pass over the deployment's keys: an
 * erasure is rare, and a full pass is what proves nothing was missed.
 */
export async function locateKeys(redis: Redis, prefix: string, accounts: readonly Account[], bot?: string): Promise<LocatedKeys> {
  const found: LocatedKeys = { sessions: [], flows: [], flowLocks: [], windows: [], choices: [], webchatStreams: [], lineKeys: [], deliveryRecords: [], broadcastLists: [], passiveReplies: [], queues: [] };
  const patterns = accounts.flatMap((account) => patternsFor(prefix, account, bot));
  const queueMeta = new RegExp(`^${escapeRegex(prefix)}:([^:]+):meta$`);
  const delivered = `${prefix}:delivered:`;
  const broadcast = new RegExp(`^${escapeRegex(prefix)}:broadcast:[^:]+:queued$`);
  const passive = `${prefix}:passive:`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const match = patterns.find(([, pattern]) => pattern.test(key));
      if (match) found[match[0]].push(key);
      else if (key.startsWith(delivered)) found.deliveryRecords.push(key);
      else if (broadcast.test(key)) found.broadcastLists.push(key);
      else if (key.startsWith(passive)) found.passiveReplies.push(key);
      else {
        const queue = queueMeta.exec(key);
        if (queue) found.queues.push(queue[1]!);
      }
    }
  } while (cursor !== '0');
  for (const list of Object.values(found)) (list as string[]).sort();
  return found;
}

/** A string as a literal in a Redis glob pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
