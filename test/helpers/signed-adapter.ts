/**
 * A minimal platform for tests of the ingest path: JSON bodies signed with an HMAC header,
 * replies recorded in memory. It also proves that a platform Kiosk does not ship plugs in
 * through `defineAdapter` alone.
 */
import { z } from 'zod';
import { defineAdapter } from '../../framework/adapters/definition';
import { assertSignature, hmac } from '../../framework/adapters/signature';
import { PayloadError } from '../../framework/core/errors';
import type { OutboundMessage } from '../../framework/core/outbound';
import type { Conversation, Update } from '../../framework/core/update';

export const sentBySignedAdapter: Array<{ conversation: Conversation; message: OutboundMessage }> = [];

const body = z
  .object({
    updates: z.array(z.object({ id: z.string().min(1), chat: z.string().min(1), text: z.string() })).default([]),
    statuses: z.array(z.object({ messageId: z.string(), state: z.enum(['sent', 'delivered', 'read', 'failed']), error: z.string().optional() })).default([]),
  })
  .refine((b) => b.updates.length > 0 || b.statuses.length > 0, { message: 'Give at least one update or status.', path: ['updates'] });

function readBody(raw: Buffer): z.infer<typeof body> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new PayloadError('Body is not valid JSON.');
  }
  const parsed = body.safeParse(json);
  if (!parsed.success) throw new PayloadError('Body does not match the signed test format.', parsed.error.issues[0]!.path.map(String));
  return parsed.data;
}

export function sign(secret: string, raw: string): string {
  return hmac('sha256', secret, raw, 'hex');
}

export const signedJson = defineAdapter({
  platform: 'signed',
  settings: z.object({ secret: z.string().min(8), windowHours: z.number().optional(), windowBudget: z.number().optional() }),
  create(settings, environment) {
    return {
      platform: 'signed',
      limits: { perSecond: 1000, perChatPerSecond: 1000 },
      verify(request) {
        assertSignature('x-signature', request.headers['x-signature'], sign(settings.secret, request.rawBody.toString('utf8')));
      },
      ...(settings.windowHours ? { serviceWindow: { hours: settings.windowHours, ...(settings.windowBudget ? { budget: settings.windowBudget } : {}) } } : {}),
      statuses: (request) =>
        readBody(request.rawBody).statuses.map((s) => ({ platformMessageId: s.messageId, state: s.state, ...(s.error ? { error: s.error } : {}) })),
      parse(request): Update[] {
        return readBody(request.rawBody).updates.map((u) => ({
          id: u.id,
          platform: 'signed',
          bot: environment.bot,
          chat: { id: u.chat, type: 'private' },
          from: { id: u.chat },
          kind: 'message',
          message: { text: u.text },
          receivedAt: Date.now(),
        }));
      },
      async send(conversation, message) {
        sentBySignedAdapter.push({ conversation, message });
        return { messageId: `m${sentBySignedAdapter.length}` };
      },
      classifyError: () => ({ kind: 'retry' }),
    };
  },
});

/** Post a signed body; returns status and parsed JSON (or text). */
export async function postSigned(
  baseUrl: string,
  bot: string,
  secret: string,
  updates: Array<{ id: string; chat: string; text: string }>,
  signature?: string,
  statuses?: Array<{ messageId: string; state: string; error?: string }>,
) {
  const raw = JSON.stringify(statuses ? { updates, statuses } : { updates });
  const response = await fetch(`${baseUrl}/webhooks/${bot}/signed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': signature ?? sign(secret, raw) },
    body: raw,
  });
  const text = await response.text();
  return { status: response.status, body: text };
}
