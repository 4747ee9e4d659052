import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PayloadError } from '../../../framework/core/errors';
import type { Update } from '../../../framework/core/update';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { parseTelegram } from '../../../framework/adapters/telegram/parse';
import { telegramCallbackUpdate, telegramLocationUpdate, telegramTextUpdate } from '../../../framework/testing/post-update';

const SAMPLES = join(__dirname, '../../../framework/adapters/telegram/samples');
const NOW = 1_700_000_000_000;

function request(body: string | Buffer): WebhookRequest {
  return { method: 'POST', headers: {}, query: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function sample(name: string): { raw: Buffer; json: unknown } {
  const raw = readFileSync(join(SAMPLES, `${name}.json`));
  return { raw, json: JSON.parse(raw.toString('utf8')) };
}

function parse(body: string | Buffer): Update[] {
  return parseTelegram(request(body), { bot: 'taxi', now: NOW });
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

const TEST_USER = { id: '1111111', name: 'Test Lastname', username: 'Testusername', locale: 'en' };
const PRIVATE_CHAT = { id: '1111111', type: 'private' };

describe('parseTelegram: the samples', () => {
  it('a text message becomes a message update with text and sender', () => {
    const { raw, json } = sample('text-message');
    expect(parse(raw)).toEqual([
      {
        id: '10000',
        platform: 'telegram',
        bot: 'taxi',
        chat: PRIVATE_CHAT,
        from: TEST_USER,
        kind: 'message',
        message: { id: '1365', text: 'I need a taxi' },
        receivedAt: NOW,
        raw: json,
      },
    ]);
  });

  it('/start with a deep-link payload becomes a command with the payload and the locale', () => {
    const [update] = parse(sample('start-deep-link').raw);
    expect(update?.message).toEqual({ id: '1366', text: '/start ref-42', command: { name: 'start', payload: 'ref-42' } });
    expect(update?.from.locale).toBe('fr');
  });

  it('an edited message is a message marked edited', () => {
    const [update] = parse(sample('edited-message').raw);
    expect(update?.id).toBe('10002');
    expect(update?.kind).toBe('message');
    expect(update?.message).toEqual({ id: '1365', text: 'I need a taxi now', edited: true });
  });

  it('a location message carries the location', () => {
    const [update] = parse(sample('location-message').raw);
    expect(update?.message).toEqual({ id: '1367', location: { latitude: 48.858844, longitude: 2.294351 } });
    expect(update?.from).toEqual({ id: '1111111', name: 'Test', locale: 'en' });
  });

  it('a callback query becomes a button press with its id and message id', () => {
    const { raw, json } = sample('callback-query');
    expect(parse(raw)).toEqual([
      {
        id: '10004',
        platform: 'telegram',
        bot: 'taxi',
        chat: PRIVATE_CHAT,
        from: TEST_USER,
        kind: 'button',
        button: { data: 'dest:home', id: '4382bfdwdsb323b2d9', messageId: '1368' },
        receivedAt: NOW,
        raw: json,
      },
    ]);
  });

  it('a photo message becomes an image with the largest size and the caption', () => {
    const [update] = parse(sample('photo-message').raw);
    expect(update?.message).toEqual({
      id: '1369',
      media: [{ kind: 'image', id: 'AgACAgIAAxkBAAIBpWZlarge', caption: 'My meter reading' }],
    });
  });

  it('a supergroup message is a group chat, and /cmd@botname is the command', () => {
    const [update] = parse(sample('group-message').raw);
    expect(update?.chat).toEqual({ id: '-1001234567890', type: 'group' });
    expect(update?.from).toEqual({ id: '2222222', name: 'Ana', username: 'ana_b', locale: 'pt-br' });
    expect(update?.message?.command).toEqual({ name: 'tickets', payload: 'friday' });
  });

  it('a user blocking the bot is an unsubscribe event, unblocking a subscribe', () => {
    const [blocked] = parse(sample('my-chat-member-kicked').raw);
    expect(blocked).toMatchObject({ id: '10007', kind: 'event', event: { type: 'unsubscribe' }, chat: { id: '1111111', type: 'private' } });
    expect(blocked?.from.id).toBe('1111111');
    const [unblocked] = parse(sample('my-chat-member-member').raw);
    expect(unblocked).toMatchObject({ id: '10008', kind: 'event', event: { type: 'subscribe' } });
  });

  it('an update of a kind Kiosk does not handle (a poll) is acknowledged with no updates', () => {
    expect(parse(sample('poll').raw)).toEqual([]);
  });
});

describe('parseTelegram: other shapes', () => {
  const base = { message_id: 5, date: 1, chat: { id: 9, type: 'private' }, from: { id: 9, is_bot: false, first_name: 'A' } };

  it.each([
    ['document', { document: { file_id: 'D', file_unique_id: 'd', mime_type: 'application/pdf' } }, { kind: 'file', id: 'D', mime: 'application/pdf' }],
    ['voice', { voice: { file_id: 'V', file_unique_id: 'v', mime_type: 'audio/ogg' } }, { kind: 'audio', id: 'V', mime: 'audio/ogg' }],
    ['audio', { audio: { file_id: 'A', file_unique_id: 'a' } }, { kind: 'audio', id: 'A' }],
    ['video', { video: { file_id: 'W', file_unique_id: 'w' } }, { kind: 'video', id: 'W' }],
    ['sticker', { sticker: { file_id: 'S', file_unique_id: 's' } }, { kind: 'sticker', id: 'S' }],
  ])('a %s message becomes its media kind', (_name, extra, media) => {
    const [update] = parse(JSON.stringify({ update_id: 1, message: { ...base, ...extra } }));
    expect(update?.message?.media).toEqual([media]);
  });

  it('a button under an inline-mode message belongs to the presser’s private chat', () => {
    const body = { update_id: 2, callback_query: { id: 'q', from: base.from, chat_instance: 'c', inline_message_id: 'im', data: 'x' } };
    const [update] = parse(JSON.stringify(body));
    expect(update?.chat).toEqual({ id: '9', type: 'private' });
    expect(update?.button).toEqual({ data: 'x', id: 'q' });
  });

  it('a channel chat maps to channel, and a message from a chat speaks as that chat', () => {
    const body = { update_id: 3, message: { ...base, chat: { id: -100, type: 'channel', title: 'News' }, sender_chat: { id: -100, type: 'channel', title: 'News' }, text: 'hi' } };
    const [update] = parse(JSON.stringify(body));
    expect(update?.chat).toEqual({ id: '-100', type: 'channel' });
    expect(update?.from).toEqual({ id: '-100', name: 'News' });
  });

  it('the builders of framework/testing produce updates the parser accepts', () => {
    const [text] = parse(JSON.stringify(telegramTextUpdate({ updateId: 11, chatId: 42, text: '/start abc', languageCode: 'de' })));
    expect(text).toMatchObject({ id: '11', chat: { id: '42', type: 'private' }, from: { id: '42', locale: 'de' } });
    expect(text?.message?.command).toEqual({ name: 'start', payload: 'abc' });
    const [press] = parse(JSON.stringify(telegramCallbackUpdate({ updateId: 12, chatId: 42, userId: 7, data: 'pay', messageId: 3 })));
    expect(press).toMatchObject({ kind: 'button', from: { id: '7' }, button: { data: 'pay', id: 'cq-12', messageId: '3' } });
    const [place] = parse(JSON.stringify(telegramLocationUpdate({ updateId: 13, chatId: -5, latitude: 1.5, longitude: 2.5 })));
    expect(place).toMatchObject({ chat: { id: '-5', type: 'group' }, message: { location: { latitude: 1.5, longitude: 2.5 } } });
  });
});

describe('parseTelegram: malformed bodies', () => {
  it('malformed JSON is a PayloadError with the reason', () => {
    const error = parseError('{"update_id": 1,');
    expect(error.code).toBe('KIOSK_PAYLOAD_INVALID');
    expect(error.path).toEqual([]);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('update_id of the wrong type is a PayloadError naming update_id', () => {
    const error = parseError(JSON.stringify({ update_id: 'x', message: { message_id: 1, date: 1, chat: { id: 1, type: 'private' } } }));
    expect(error.path).toEqual(['update_id']);
    expect(error.message).toMatch(/at update_id/);
  });

  it('a message without its chat is a PayloadError naming message.chat', () => {
    const error = parseError(JSON.stringify({ update_id: 1, message: { message_id: 1, date: 1, text: 'hi' } }));
    expect(error.path).toEqual(['message', 'chat']);
  });

  it('a nested wrong type names the full path', () => {
    const error = parseError(JSON.stringify({ update_id: 1, callback_query: { id: 'q', from: { id: 'me', is_bot: false, first_name: 'A' }, chat_instance: 'c' } }));
    expect(error.path).toEqual(['callback_query', 'from', 'id']);
  });

  it('a body that is not an object is a PayloadError', () => {
    expect(parseError('[1,2]')).toBeInstanceOf(PayloadError);
  });
});
