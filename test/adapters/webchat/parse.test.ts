import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { parseWebchat } from '../../../framework/adapters/webchat/parse';
import { issueToken } from '../../../framework/adapters/webchat/token';
import { verifyWebchat } from '../../../framework/adapters/webchat/verify';
import { PayloadError, SignatureError } from '../../../framework/core/errors';

const secret = 'a-secret-of-at-least-16';
const options = { bot: 'taxi', secret, now: 1_732_521_600_000 };
const { token, visitor } = issueToken('taxi', secret, 3600, { now: options.now });

function requestOf(body: string | object, headers: Record<string, string> = { authorization: `Bearer ${token}` }): WebhookRequest {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    query: {},
    rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

function sample(name: string): string {
  return readFileSync(path.join(__dirname, '../../../framework/adapters/webchat/samples', name), 'utf8');
}

function payloadErrorOf(run: () => unknown): PayloadError {
  try {
    run();
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('expected a PayloadError');
}

describe('verifying a web-chat request', () => {
  it('accepts the token as a Bearer header or as x-kiosk-webchat-token', () => {
    expect(verifyWebchat(requestOf({}), options)).toBe(visitor);
    expect(verifyWebchat(requestOf({}, { 'x-kiosk-webchat-token': token }), options)).toBe(visitor);
  });

  it('refuses a request without a token or with a bad one', () => {
    expect(() => verifyWebchat(requestOf({}, {}), options)).toThrow(SignatureError);
    expect(() => verifyWebchat(requestOf({}, { authorization: `Bearer ${token}x` }), options)).toThrow(SignatureError);
    expect(() => verifyWebchat(requestOf({}, { authorization: `Basic ${token}` }), options)).toThrow(SignatureError);
  });
});

describe('parsing a web-chat message', () => {
  it('a text message becomes a message update from the visitor, with an id the queue de-duplicates on', () => {
    const [update] = parseWebchat(requestOf(sample('text-message.json')), options);
    expect(update).toEqual({
      id: `${visitor}-m-1732521600000-1`,
      platform: 'webchat',
      bot: 'taxi',
      chat: { id: visitor, type: 'private' },
      from: { id: visitor, locale: 'en' },
      kind: 'message',
      message: { id: 'm-1732521600000-1', text: 'I need a taxi' },
      receivedAt: options.now,
      raw: JSON.parse(sample('text-message.json')),
    });
  });

  it('the same message posted twice parses to the same update id', () => {
    const [first] = parseWebchat(requestOf(sample('text-message.json')), options);
    const [again] = parseWebchat(requestOf(sample('text-message.json')), options);
    expect(again!.id).toBe(first!.id);
  });

  it('/taxi is a command, so bot.command("taxi") matches it', () => {
    const [update] = parseWebchat(requestOf(sample('command-message.json')), options);
    expect(update!.message).toEqual({ id: 'm-1732521600000-2', text: '/taxi airport', command: { name: 'taxi', payload: 'airport' } });
    expect(update!.from.locale).toBe('fr');
  });

  it('a button press becomes a button update carrying its data', () => {
    const [update] = parseWebchat(requestOf(sample('button-press.json')), options);
    expect(update!.kind).toBe('button');
    expect(update!.button).toEqual({ data: 'dest:home', id: 'm-1732521600000-3', messageId: '1732521600123-0' });
    expect(update!.message).toBeUndefined();
  });

  it('a shared location becomes a message with a location', () => {
    const [update] = parseWebchat(requestOf(sample('location-message.json')), options);
    expect(update!.kind).toBe('message');
    expect(update!.message).toEqual({ id: 'm-1732521600000-4', location: { latitude: 48.8584, longitude: 2.2945 } });
  });

  it('the page-opened event becomes an event update of type open', () => {
    const [update] = parseWebchat(requestOf(sample('open-event.json')), options);
    expect(update!.kind).toBe('event');
    expect(update!.event).toEqual({ type: 'open' });
    expect(update!.from.locale).toBe('zh-CN');
  });

  it('the visitor comes from the token, never from the body', () => {
    const [update] = parseWebchat(requestOf({ id: 'm1', text: 'hi', chat: { id: 'someone-else' }, from: { id: 'someone-else' } }), options);
    expect(update!.chat.id).toBe(visitor);
    expect(update!.from.id).toBe(visitor);
  });

  it('malformed JSON is a PayloadError', () => {
    const error = payloadErrorOf(() => parseWebchat(requestOf('{"id": "m1", "text": '), options));
    expect(error.message).toMatch(/not JSON/);
    expect(error.path).toEqual([]);
  });

  it('both text and a button is a PayloadError', () => {
    const error = payloadErrorOf(() => parseWebchat(requestOf(sample('text-and-button.json')), options));
    expect(error.message).toMatch(/exactly one of text, button, location or event/);
    expect(error.path).toEqual(['button']);
  });

  it('neither text, button, location nor event is a PayloadError', () => {
    expect(payloadErrorOf(() => parseWebchat(requestOf({ id: 'm1' }), options)).message).toMatch(/one of text, button/);
  });

  it('text longer than 4096 characters is a PayloadError naming text', () => {
    const error = payloadErrorOf(() => parseWebchat(requestOf({ id: 'm1', text: 'x'.repeat(4097) }), options));
    expect(error.path).toEqual(['text']);
    expect(parseWebchat(requestOf({ id: 'm1', text: 'x'.repeat(4096) }), options)).toHaveLength(1);
  });

  it('a message id with characters outside A-Z a-z 0-9 _ - is a PayloadError naming id', () => {
    expect(payloadErrorOf(() => parseWebchat(requestOf({ id: 'a:b', text: 'hi' }), options)).path).toEqual(['id']);
    expect(payloadErrorOf(() => parseWebchat(requestOf({ id: 'x'.repeat(101), text: 'hi' }), options)).path).toEqual(['id']);
  });

  it('an out-of-range location, blank text, or a bad locale is a PayloadError naming the field', () => {
    expect(payloadErrorOf(() => parseWebchat(requestOf({ id: 'm1', location: { latitude: 91, longitude: 0 } }), options)).path).toEqual(['location', 'latitude']);
    expect(payloadErrorOf(() => parseWebchat(requestOf({ id: 'm1', text: '   ' }), options)).path).toEqual(['text']);
    expect(payloadErrorOf(() => parseWebchat(requestOf({ id: 'm1', text: 'hi', locale: '<script>' }), options)).path).toEqual(['locale']);
  });

  it('parse refuses a request whose token does not verify', () => {
    expect(() => parseWebchat(requestOf(sample('text-message.json'), {}), options)).toThrow(SignatureError);
  });
});
