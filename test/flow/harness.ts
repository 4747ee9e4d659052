/** Drives a bot update by update without Kiosk: records replies, enqueues and cancels. */
import type { ContextServices, OutboundMessage, Update } from '../../framework/index';
import { parseCommand } from '../../framework/index';

export interface Harness {
  services: ContextServices;
  replies: string[];
  enqueued: Array<{ job: string; data: unknown; options: Record<string, unknown> }>;
  cancelled: string[];
  text(chat: string, text: string, locale?: string): Update;
  press(chat: string, data: string): Update;
  location(chat: string, latitude: number, longitude: number): Update;
}

let counter = 0;

export function harness(bot = 'seats'): Harness {
  const replies: string[] = [];
  const enqueued: Harness['enqueued'] = [];
  const cancelled: string[] = [];
  const base = (chat: string, locale?: string) => ({
    id: `u${++counter}`,
    platform: 'test',
    bot,
    chat: { id: chat, type: 'private' as const },
    from: { id: chat, ...(locale ? { locale } : {}) },
    receivedAt: Date.now(),
  });
  return {
    replies,
    enqueued,
    cancelled,
    services: {
      async send(_conversation, message: OutboundMessage) {
        replies.push(message.text ?? '');
        return { messageId: String(replies.length) };
      },
      async enqueue(job, data, options) {
        const { conversation: _c, ...rest } = options;
        enqueued.push({ job: job.name, data, options: rest as Record<string, unknown> });
        return options.jobId ?? `job-${enqueued.length}`;
      },
      async cancel(_job, id) {
        cancelled.push(id);
        return true;
      },
    },
    text(chat, text, locale) {
      const command = parseCommand(text);
      return { ...base(chat, locale), kind: 'message', message: { text, ...(command ? { command } : {}) } };
    },
    press(chat, data) {
      return { ...base(chat), kind: 'button', button: { data } };
    },
    location(chat, latitude, longitude) {
      return { ...base(chat), kind: 'message', message: { location: { latitude, longitude } } };
    },
  };
}
