/**
 * What `ctx.reply` and `job.notify` accept: a template name with data, a text, or a whole
 * message. A string shaped like `bot/name` (lowercase, a slash, no spaces) is a template
 * name; any other string is text. To send a text that looks like a template name, pass
 * `{ text: 'a/b' }`.
 */
import type { OutboundMessage } from './outbound';
import type { Conversation } from './update';

const TEMPLATE_NAME = /^[a-z0-9_-]+(\/[a-z0-9_.-]+)+$/;

/** Whether a string names a template rather than being text to send. */
export function isTemplateName(content: string): boolean {
  return TEMPLATE_NAME.test(content);
}

/** Renders a template for a conversation (its locale and platform) into a message. */
export type Renderer = (name: string, data: Record<string, unknown>, conversation: Conversation) => OutboundMessage;

/** Turn reply or notify arguments into a message, rendering templates with `render`. */
export function resolveContent(
  content: string | OutboundMessage,
  data: Record<string, unknown> | undefined,
  conversation: Conversation,
  render: Renderer | undefined,
): OutboundMessage {
  if (typeof content !== 'string') return { ...content };
  if (!isTemplateName(content)) return { text: content };
  if (!render) throw new Error(`"${content}" names a template, but no templates are configured; pass createKiosk({ templates }).`);
  return render(content, data ?? {}, conversation);
}
