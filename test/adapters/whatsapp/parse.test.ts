import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { parseWhatsapp, whatsappStatuses } from '../../../framework/adapters/whatsapp/parse';
import { PayloadError } from '../../../framework/core/errors';
import type { Update } from '../../../framework/core/update';
import { inboundJobId } from '../../../framework/jobs/partition';
import {
  whatsappButtonReply,
  whatsappImage,
  whatsappListReply,
  whatsappLocation,
  whatsappTemplateButton,
  whatsappText,
  whatsappWebhook,
} from '../../../framework/testing/whatsapp-client';

const SAMPLES = join(__dirname, '../../../framework/adapters/whatsapp/samples');
const NOW = 1_750_000_000_000;
const PHONE = '106540352242922';

function request(body: string | Buffer): WebhookRequest {
  return { method: 'POST', headers: {}, query: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function sample(name: string): Buffer {
  return readFileSync(join(SAMPLES, `${name}.json`));
}

function parse(body: string | Buffer, phoneNumberId: string | null = PHONE): Update[] {
  return parseWhatsapp(request(body), { bot: 'taxi', now: NOW, ...(phoneNumberId !== null ? { phoneNumberId } : {}) });
}

function parseError(body: string): PayloadError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('expected a PayloadError');
}

const SHEENA = { id: '16505551234', name: 'Sheena Nelson' };

describe('parseWhatsapp: the samples', () => {
  it('a text message becomes a message update from the contact, in the chat of their wa_id', () => {
    const raw = sample('text-message');
    const json = JSON.parse(raw.toString('utf8'));
    expect(parse(raw)).toEqual([
      {
        id: 'wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
        platform: 'whatsapp',
        bot: 'taxi',
        chat: { id: '16505551234', type: 'private' },
        from: SHEENA,
        kind: 'message',
        message: { id: 'wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=', text: 'I need a taxi' },
        receivedAt: NOW,
        raw: {
          message: json.entry[0].changes[0].value.messages[0],
          contact: json.entry[0].changes[0].value.contacts[0],
          metadata: json.entry[0].changes[0].value.metadata,
        },
      },
    ]);
  });

  it('several messages in one request become several updates, in order, each with its own sender', () => {
    const updates = parse(sample('multi-message'));
    expect(updates.map((u) => [u.from, u.kind])).toEqual([
      [{ id: '4915112345678', name: 'Jürgen Müller' }, 'message'],
      [SHEENA, 'message'],
      [{ id: '4915112345678', name: 'Jürgen Müller' }, 'message'],
    ]);
    expect(updates[0]?.message).toMatchObject({ text: '/start ref-42', command: { name: 'start', payload: 'ref-42' } });
    expect(updates[1]?.message?.location).toEqual({ latitude: 37.483307, longitude: -122.148981, label: 'Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301' });
    expect(updates[2]?.message?.media).toEqual([{ kind: 'image', id: '1003383421387256', mime: 'image/jpeg', caption: 'my street' }]);
  });

  it('the statuses in the same request are not updates', () => {
    expect(parse(sample('multi-message'))).toHaveLength(3);
    expect(parse(sample('statuses'))).toEqual([]);
  });

  it('an interactive button reply is a button press whose data is the reply id', () => {
    const [update] = parse(sample('interactive-button-reply'));
    expect(update).toMatchObject({
      kind: 'button',
      chat: { id: '16505551234', type: 'private' },
      button: {
        data: 'taxi:order',
        id: 'wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTNDOUE2QUU2OTQ5QjBDOTEwQwA=',
        messageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBIzMDA0QzE0QjVCQ0VCMUI5MDEA',
      },
    });
    expect(update?.message).toBeUndefined();
  });

  it('a list reply is a button press whose data is the row id', () => {
    const [update] = parse(sample('interactive-list-reply'));
    expect(update).toMatchObject({ kind: 'button', button: { data: 'seat:row-4' } });
  });

  it('a template quick-reply button is a button press carrying its payload', () => {
    const [update] = parse(sample('template-button'));
    expect(update).toMatchObject({ kind: 'button', button: { data: 'bill:pay:2024-05', messageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI3N0E4RkNFMzY1QjNGMkMwNjcA' } });
  });

  it('audio, documents, videos and stickers carry their media id and type', () => {
    expect(parse(sample('media-messages')).map((u) => u.message?.media?.[0])).toEqual([
      { kind: 'audio', id: '1119301479738452', mime: 'audio/ogg; codecs=opus' },
      { kind: 'file', id: '1003383421387257', mime: 'application/pdf', caption: 'my receipt' },
      { kind: 'video', id: '1003383421387258', mime: 'video/mp4' },
      { kind: 'sticker', id: '1003383421387259', mime: 'image/webp' },
    ]);
  });

  it('unsupported messages and reactions are acknowledged and yield nothing', () => {
    expect(parse(sample('unsupported-and-reaction'))).toEqual([]);
  });

  it('update ids make BullMQ job ids without ":" that keep the wamid apart', () => {
    const updates = parse(sample('multi-message'));
    const ids = updates.map((u) => inboundJobId(u));
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).not.toContain(':');
    expect(ids[0]).toBe('whatsapp-taxi-wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBMDFBQjI0RjQ2QTk1QjU3RjBGAA==');
  });

  it('changes for another business phone number are ignored', () => {
    const body = JSON.stringify(whatsappWebhook({ phoneNumberId: '999', messages: [whatsappText({ from: '1', text: 'hi' })] }));
    expect(parse(body)).toEqual([]);
    expect(parse(body, null)).toHaveLength(1);
  });

  it('changes of other fields (account updates, template status) are ignored', () => {
    const body = { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 5 } }] }] };
    expect(parse(JSON.stringify(body))).toEqual([]);
  });

  it('the request_welcome message (a first chat) is an open event', () => {
    const body = whatsappWebhook({ messages: [{ contact: { wa_id: '7', profile: { name: 'N' } }, message: { from: '7', id: 'wamid.w', timestamp: '1', type: 'request_welcome' } }] });
    expect(parse(JSON.stringify(body))).toMatchObject([{ kind: 'event', event: { type: 'open' }, chat: { id: '7' } }]);
  });

  it('the builders of framework/testing produce payloads the parser accepts', () => {
    const body = whatsappWebhook({
      messages: [
        whatsappText({ from: '42', text: '/taxi now', id: 'wamid.a', name: 'Ann' }),
        whatsappButtonReply({ from: '42', data: 'dest:home', contextId: 'wamid.bot1' }),
        whatsappListReply({ from: '42', data: 'seat:4' }),
        whatsappTemplateButton({ from: '42', payload: 'pay' }),
        whatsappLocation({ from: '43', latitude: 1.5, longitude: 2.5, label: 'Home' }),
        whatsappImage({ from: '43', mediaId: 'm1', caption: 'x' }),
      ],
    });
    const updates = parse(JSON.stringify(body));
    expect(updates.map((u) => u.button?.data ?? u.message?.text ?? u.message?.location?.label ?? u.message?.media?.[0]?.id)).toEqual([
      '/taxi now',
      'dest:home',
      'seat:4',
      'pay',
      'Home',
      'm1',
    ]);
    expect(updates[0]).toMatchObject({ id: 'wamid.a', from: { id: '42', name: 'Ann' }, message: { command: { name: 'taxi', payload: 'now' } } });
    expect(updates[1]?.button?.messageId).toBe('wamid.bot1');
  });
});

describe('whatsappStatuses', () => {
  it('maps sent, read and failed (with Meta’s code, title and details) to delivery statuses', () => {
    expect(whatsappStatuses(request(sample('statuses')), PHONE)).toEqual([
      { platformMessageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', state: 'sent', chat: '16505551234', at: 1_750_263_773_000 },
      { platformMessageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', state: 'read', chat: '16505551234', at: 1_750_263_790_000 },
      {
        platformMessageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBJBQ0I3MjdGMzdGMUE2NzFDQjMA',
        state: 'failed',
        chat: '16505551234',
        at: 1_750_263_800_000,
        error: '131047 Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      },
    ]);
  });

  it('finds the statuses beside the messages of a mixed request', () => {
    expect(whatsappStatuses(request(sample('multi-message')), PHONE)).toEqual([
      { platformMessageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', state: 'delivered', chat: '16505551234', at: 1_749_416_393_000 },
    ]);
  });

  it('a request with only messages has no statuses', () => {
    expect(whatsappStatuses(request(sample('text-message')))).toEqual([]);
  });

  it('a voice note’s played counts as read; unknown statuses are skipped', () => {
    const body = whatsappWebhook({ statuses: [{ id: 'wamid.x', status: 'read', recipientId: '1', timestamp: 5 }] });
    const text = JSON.stringify(body).replace('"read"', '"played"');
    expect(whatsappStatuses(request(text))).toEqual([{ platformMessageId: 'wamid.x', state: 'read', chat: '1', at: 5000 }]);
    expect(whatsappStatuses(request(text.replace('"played"', '"deleted"')))).toEqual([]);
  });

  it('a malformed status is a PayloadError naming its path', () => {
    const body = whatsappWebhook({ statuses: [{ id: 'wamid.x', status: 'sent', recipientId: '1' }] });
    const text = JSON.stringify(body).replace('"id":"wamid.x"', '"id":7');
    expect(() => whatsappStatuses(request(text))).toThrow(/at entry\.0\.changes\.0\.value\.statuses\.0\.id/);
  });
});

describe('parseWhatsapp: malformed bodies', () => {
  it('malformed JSON is a PayloadError with the reason', () => {
    const error = parseError('{"object": "whatsapp_business_account",');
    expect(error.code).toBe('KIOSK_PAYLOAD_INVALID');
    expect(error.path).toEqual([]);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('a body from another Meta product is a PayloadError naming object', () => {
    const error = parseError(JSON.stringify({ object: 'page', entry: [] }));
    expect(error.path).toEqual(['object']);
    expect(error.message).toMatch(/whatsapp_business_account/);
  });

  it('a message without from is a PayloadError naming its full path', () => {
    const body = whatsappWebhook({ messages: [whatsappText({ from: '1', text: 'a' }), whatsappText({ from: '2', text: 'b' })] });
    const text = JSON.stringify(body).replace('"from":"2",', '');
    expect(parseError(text).path).toEqual(['entry', 0, 'changes', 0, 'value', 'messages', 1, 'from']);
  });

  it('a text message without its text object is a PayloadError naming it', () => {
    const body = whatsappWebhook({ messages: [whatsappText({ from: '1', text: 'a' })] });
    const text = JSON.stringify(body).replace(',"text":{"body":"a"}', '');
    expect(parseError(text).path).toEqual(['entry', 0, 'changes', 0, 'value', 'messages', 0, 'text']);
  });

  it('a location with a latitude of the wrong type names it', () => {
    const body = whatsappWebhook({ messages: [whatsappLocation({ from: '1', latitude: 1, longitude: 2 })] });
    const text = JSON.stringify(body).replace('"latitude":1', '"latitude":"north"');
    expect(parseError(text).path).toEqual(['entry', 0, 'changes', 0, 'value', 'messages', 0, 'location', 'latitude']);
  });

  it('entry that is not a list is a PayloadError naming entry', () => {
    expect(parseError(JSON.stringify({ object: 'whatsapp_business_account', entry: {} })).path).toEqual(['entry']);
  });

  it('a body that is not an object is a PayloadError', () => {
    expect(parseError('[1,2]')).toBeInstanceOf(PayloadError);
    expect(parseError('null')).toBeInstanceOf(PayloadError);
  });
});
