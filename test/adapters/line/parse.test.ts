import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { parseLine, type LineParsed } from '../../../framework/adapters/line/parse';
import { PayloadError } from '../../../framework/core/errors';
import { lineFollowEvent, lineLocationEvent, linePostbackEvent, lineTextEvent, lineUnfollowEvent, lineWebhookBody } from '../../../framework/testing/line-client';

const SAMPLES = join(__dirname, '../../../framework/adapters/line/samples');
const NOW = 1_700_000_000_000;
const U1 = 'U4af4980629c06b3bb1d4b6bd0d6e4c2e';
const U2 = 'U91eeaf62d9a3b8c7d6e5f4a3b2c1d0e9';
const U3 = 'U3d3edab4f36c6292e6d8a8131f141b8b';
const GROUP = 'Ca56f94637c9b0e8e6c7d5a4b3f2e1d0c';
const ROOM = 'Ra8dc1234567890abcdef1234567890ab';

function request(body: string | Buffer): WebhookRequest {
  return { method: 'POST', headers: {}, query: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function sample(name: string): { raw: Buffer; json: { events: unknown[] } } {
  const raw = readFileSync(join(SAMPLES, `${name}.json`));
  return { raw, json: JSON.parse(raw.toString('utf8')) };
}

function parse(body: string | Buffer | object): LineParsed {
  const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return parseLine(request(raw), { bot: 'taxi', now: NOW });
}

function parseError(body: string | object): PayloadError {
  try {
    parse(body);
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('expected a PayloadError');
}

describe('parseLine: the samples', () => {
  it('a text message becomes a message update keyed by the webhook event id, with its reply token', () => {
    const { raw, json } = sample('text-message');
    expect(parse(raw)).toEqual({
      updates: [
        {
          id: 'line-taxi-01FZ74A0TDDPYRVKNK77XKC3ZR',
          platform: 'line',
          bot: 'taxi',
          chat: { id: U1, type: 'private' },
          from: { id: U1 },
          kind: 'message',
          message: { id: '444573844083572737', text: 'I need a taxi' },
          receivedAt: NOW,
          raw: json.events[0],
        },
      ],
      replyTokens: [{ chat: U1, token: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA', timestamp: 1462629479859 }],
    });
  });

  it('a redelivered event keeps the update id of its first delivery, so it is queued once', () => {
    const [first] = parse(sample('text-message').raw).updates;
    const [again] = parse(sample('redelivered-text-message').raw).updates;
    expect(again?.id).toBe(first?.id);
    expect((again?.raw as { deliveryContext: unknown }).deliveryContext).toEqual({ isRedelivery: true });
  });

  it('several events in one body become several updates, in order, each with its own chat', () => {
    const { updates, replyTokens } = parse(sample('several-events').raw);
    expect(updates.map((u) => [u.id, u.kind, u.chat, u.from.id])).toEqual([
      ['line-taxi-01FZ74A0TDDPYRVKNK77XKC3ZR', 'message', { id: U1, type: 'private' }, U1],
      ['line-taxi-01FZ74A0TDDPYRVKNK77XKC3ZS', 'button', { id: U2, type: 'private' }, U2],
      ['line-taxi-01HMQGW40RZJPJM3RAJP7BHC2Q', 'event', { id: U3, type: 'private' }, U3],
      ['line-taxi-01FZ74A0TDDPYRVKNK77XKC3ZW', 'message', { id: ROOM, type: 'group' }, U2],
    ]);
    expect(replyTokens.map((t) => t.chat)).toEqual([U1, U2, U3, ROOM]);
  });

  it('/start with a payload is a command', () => {
    const [update] = parse(sample('start-command').raw).updates;
    expect(update?.message).toEqual({ id: '17500563459185', text: '/start ref-42', command: { name: 'start', payload: 'ref-42' } });
  });

  it('a group message is a group chat from the member, with the command', () => {
    const [update] = parse(sample('group-message').raw).updates;
    expect(update?.chat).toEqual({ id: GROUP, type: 'group' });
    expect(update?.from).toEqual({ id: U2 });
    expect(update?.message?.command).toEqual({ name: 'tickets', payload: 'friday' });
  });

  it('a location message carries the location, labelled with title and address', () => {
    const [update] = parse(sample('location-message').raw).updates;
    expect(update?.message).toEqual({
      id: '325708',
      location: { latitude: 35.67966, longitude: 139.73669, label: 'my location, 1-3 Kioicho, Chiyoda-ku, Tokyo, 102-8282, Japan' },
    });
  });

  it.each([
    ['image-message', { kind: 'image', id: '354718705033693859' }],
    ['sticker-message', { kind: 'sticker', id: '52002738' }],
    ['file-message', { kind: 'file', id: '325708' }],
  ])('%s becomes its media kind, with the id to fetch it by', (name, media) => {
    const [update] = parse(sample(name).raw).updates;
    expect(update?.kind).toBe('message');
    expect(update?.message?.media).toEqual([media]);
  });

  it('a postback is a button press whose data is postback.data', () => {
    const [update] = parse(sample('postback').raw).updates;
    expect(update).toMatchObject({ kind: 'button', button: { data: 'dest:home' }, chat: { id: U2, type: 'private' } });
  });

  it('follow is subscribe and unfollow (no reply token) is unsubscribe', () => {
    const follow = parse(sample('follow').raw);
    expect(follow.updates[0]).toMatchObject({ kind: 'event', event: { type: 'subscribe' } });
    expect(follow.replyTokens).toHaveLength(1);
    const unfollow = parse(sample('unfollow').raw);
    expect(unfollow.updates[0]).toMatchObject({ kind: 'event', event: { type: 'unsubscribe' }, from: { id: U3 } });
    expect(unfollow.replyTokens).toEqual([]);
  });

  it('other events are lower-cased event types; a group event without userId speaks as the group', () => {
    const [update] = parse(sample('join').raw).updates;
    expect(update).toMatchObject({ kind: 'event', event: { type: 'join' }, chat: { id: GROUP, type: 'group' }, from: { id: GROUP } });
  });

  it('LINE’s verify ping (no events) yields no updates and no tokens', () => {
    expect(parse(sample('verify-ping').raw)).toEqual({ updates: [], replyTokens: [] });
  });
});

describe('parseLine: other shapes', () => {
  const event = (extra: object) => ({ ...lineTextEvent({ userId: U1, text: 'x', webhookEventId: 'E1', timestamp: 5 }), ...extra });

  it('an event in standby mode is not handled (another module answers that chat)', () => {
    expect(parse(lineWebhookBody([event({ mode: 'standby' })])).updates).toEqual([]);
  });

  it('an event about the channel itself (no source) is acknowledged, not handled', () => {
    const activated: Record<string, unknown> = { ...event({}), type: 'activated' };
    delete activated.source;
    expect(parse(lineWebhookBody([activated])).updates).toEqual([]);
  });

  it('memberJoined becomes the event "memberjoined"', () => {
    const [update] = parse(lineWebhookBody([{ ...event({}), type: 'memberJoined', source: { type: 'group', groupId: GROUP } }])).updates;
    expect(update?.event).toEqual({ type: 'memberjoined' });
  });

  it('an image sent from outside LINE carries its URL', () => {
    const message = { id: '9', type: 'image', contentProvider: { type: 'external', originalContentUrl: 'https://example.com/a.jpg' } };
    const [update] = parse(lineWebhookBody([event({ message })])).updates;
    expect(update?.message?.media).toEqual([{ kind: 'image', id: '9', url: 'https://example.com/a.jpg' }]);
  });

  it('a message type Kiosk does not model keeps its id', () => {
    const [update] = parse(lineWebhookBody([event({ message: { id: '7', type: 'hologram' } })])).updates;
    expect(update?.message).toEqual({ id: '7' });
  });

  it('the builders of framework/testing produce events the parser accepts', () => {
    const body = lineWebhookBody([
      lineTextEvent({ userId: U1, text: '/start abc', replyToken: 'r1' }),
      linePostbackEvent({ userId: U1, groupId: GROUP, data: 'pay' }),
      lineLocationEvent({ userId: U1, roomId: ROOM, latitude: 1.5, longitude: 2.5, title: 'Home' }),
      lineFollowEvent({ userId: U2, replyToken: 'r2' }),
      lineUnfollowEvent({ userId: U2, redelivery: true }),
    ]);
    const { updates, replyTokens } = parse(body);
    expect(updates.map((u) => u.kind)).toEqual(['message', 'button', 'message', 'event', 'event']);
    expect(updates[0]?.message?.command).toEqual({ name: 'start', payload: 'abc' });
    expect(updates[1]).toMatchObject({ chat: { id: GROUP, type: 'group' }, from: { id: U1 }, button: { data: 'pay' } });
    expect(updates[2]?.message?.location).toEqual({ latitude: 1.5, longitude: 2.5, label: 'Home' });
    expect(new Set(updates.map((u) => u.id)).size).toBe(5);
    expect(replyTokens.map((t) => t.token)).toEqual(['r1', 'r2']);
  });
});

describe('parseLine: malformed bodies', () => {
  it('malformed JSON is a PayloadError with the reason', () => {
    const error = parseError('{"events": [');
    expect(error.code).toBe('KIOSK_PAYLOAD_INVALID');
    expect(error.path).toEqual([]);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('a body without events names events', () => {
    expect(parseError({ destination: 'U1' }).path).toEqual(['events']);
  });

  it('an event without webhookEventId names events.<i>.webhookEventId', () => {
    const { webhookEventId: _id, ...event } = lineTextEvent({ userId: U1, text: 'x' });
    const error = parseError(lineWebhookBody([lineFollowEvent({ userId: U1 }), event]));
    expect(error.path).toEqual(['events', 1, 'webhookEventId']);
    expect(error.message).toMatch(/at events\.1\.webhookEventId/);
  });

  it('a user source without userId names the path', () => {
    const event = { ...lineTextEvent({ userId: U1, text: 'x' }), source: { type: 'user' } };
    expect(parseError(lineWebhookBody([event])).path).toEqual(['events', 0, 'source', 'userId']);
  });

  it('a text message without text names events.0.message.text', () => {
    const event = { ...lineTextEvent({ userId: U1, text: 'x' }), message: { id: '1', type: 'text' } };
    expect(parseError(lineWebhookBody([event])).path).toEqual(['events', 0, 'message', 'text']);
  });

  it('a postback without data names events.0.postback.data', () => {
    const event = { ...linePostbackEvent({ userId: U1, data: 'x' }), postback: {} };
    expect(parseError(lineWebhookBody([event])).path).toEqual(['events', 0, 'postback', 'data']);
  });

  it('a location with a string latitude names it', () => {
    const event = { ...lineLocationEvent({ userId: U1, latitude: 1, longitude: 2 }) };
    (event.message as Record<string, unknown>).latitude = '1';
    expect(parseError(lineWebhookBody([event])).path).toEqual(['events', 0, 'message', 'latitude']);
  });

  it('a body that is not an object is a PayloadError', () => {
    expect(parseError('[1,2]')).toBeInstanceOf(PayloadError);
    expect(parseError('null')).toBeInstanceOf(PayloadError);
  });
});
