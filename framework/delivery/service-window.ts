/**
 * Customer-service windows (WhatsApp 24 h, WeChat 48 h with a ration of free-form messages):
 * Kiosk notes when each customer last wrote, and before a message is sent decides which form
 * it may take. Inside the window a free-form message goes out (and uses one of the budget);
 * outside it only a platform template may, so a message that carries both text and a
 * `template` (a bill: text for the chat, a template for later) falls back to the template,
 * and one without a template is refused with a `window-closed` reason instead of failing
 * at the platform's API.
 */
import type { Redis } from 'ioredis';
import type { ServiceWindow } from '../adapters/adapter';
import type { OutboundMessage } from '../core/outbound';
import type { Conversation } from '../core/update';

/** The form a message may be sent in now, or why it may not be sent. */
export type WindowDecision = { send: OutboundMessage; freeForm: boolean } | { refused: string };

function windowKey(prefix: string, conversation: Conversation): string {
  return `${prefix}:window:${conversation.bot}:${conversation.platform}:${conversation.user}`;
}

/**
 * Open (or re-open) a customer's window: they just wrote. The budget starts afresh, as the
 * platforms count it from the customer's last message.
 */
export async function openServiceWindow(redis: Redis, prefix: string, window: ServiceWindow, conversation: Conversation, at = Date.now()): Promise<void> {
  const key = windowKey(prefix, conversation);
  await redis.multi().del(key, `${key}:sent`).hset(key, 'openedAt', String(at)).pexpire(key, window.hours * 3_600_000).exec();
}

/** Close a customer's window early: the platform said it is closed or its budget is spent. */
export async function closeServiceWindow(redis: Redis, prefix: string, conversation: Conversation): Promise<void> {
  const key = windowKey(prefix, conversation);
  await redis.del(key, `${key}:sent`);
}

// KEYS: window hash, set of delivery keys already counted. ARGV: now, window ms, budget (0 = none), delivery key.
// Returns 1 when a free-form message may be sent (counting it once per delivery key), 0 when the window is closed or spent.
const TAKE = `
local opened = tonumber(redis.call('HGET', KEYS[1], 'openedAt'))
if not opened or opened + tonumber(ARGV[2]) <= tonumber(ARGV[1]) then return 0 end
local budget = tonumber(ARGV[3])
if budget == 0 then return 1 end
if redis.call('SISMEMBER', KEYS[2], ARGV[4]) == 1 then return 1 end
if redis.call('SCARD', KEYS[2]) >= budget then return 0 end
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('PEXPIREAT', KEYS[2], opened + tonumber(ARGV[2]))
return 1`;

function withoutTemplate(message: OutboundMessage): OutboundMessage {
  const { template: _template, ...rest } = message;
  return rest;
}

function hasFreeForm(message: OutboundMessage): boolean {
  return Boolean(message.text || message.buttons?.length || message.card || message.media?.length);
}

/**
 * Decide how `message` may reach the customer now. `deliveryKey` makes a retried delivery
 * count against the budget once.
 */
export async function decideWindow(
  redis: Redis,
  prefix: string,
  window: ServiceWindow,
  conversation: Conversation,
  message: OutboundMessage,
  deliveryKey: string,
  now = Date.now(),
): Promise<WindowDecision> {
  if (!hasFreeForm(message)) return { send: message, freeForm: false };
  const key = windowKey(prefix, conversation);
  const open = await redis.eval(TAKE, 2, key, `${key}:sent`, String(now), String(window.hours * 3_600_000), String(window.budget ?? 0), deliveryKey);
  if (open === 1) return { send: withoutTemplate(message), freeForm: true };
  if (message.template) return { send: { template: message.template }, freeForm: false };
  return {
    refused: `window-closed: the customer last wrote more than ${window.hours} h ago${window.budget ? ` or the ${window.budget} messages allowed since then were sent` : ''}; only a platform template may be sent, so give this message a \`template\``,
  };
}
