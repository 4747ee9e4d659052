import { createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import type { Adapter } from '../../../framework/adapters/adapter';
import { whatsapp, type WhatsappSettingsInput } from '../../../framework/adapters/whatsapp/adapter';
import { classifyWhatsappError, WhatsappApiError } from '../../../framework/adapters/whatsapp/send';
import { DeliveryError } from '../../../framework/core/errors';
import type { OutboundMessage } from '../../../framework/core/outbound';
import type { Conversation } from '../../../framework/core/update';
import { startFakeWhatsapp, type FakeWhatsapp, type FakeWhatsappSent } from '../../../framework/testing/fake-whatsapp';
import { deliveryError } from '../../helpers/delivery';
import { freePort } from '../../helpers/ports';
import { connect } from '../../helpers/redis';

const TOKEN = 'dev-only-access-token';
const PHONE = '106540352242922';
const conversation: Conversation = { bot: 'taxi', platform: 'whatsapp', chat: '16505551234', user: '16505551234' };

function interactiveOf(sent: FakeWhatsappSent | undefined): Record<string, unknown> {
  return sent?.message.interactive as Record<string, unknown>;
}

describe('whatsapp adapter: send, against the fake Cloud API', () => {
  let fake: FakeWhatsapp;
  let redis: Redis;
  let adapter: Adapter;
  const make = (extra: Partial<WhatsappSettingsInput> = {}, apiRoot = fake.apiRoot) =>
    whatsapp.create(whatsapp.settings.parse({ phoneNumberId: PHONE, accessToken: TOKEN, appSecret: 's', verifyToken: 'v', apiRoot, ...extra }), { bot: 'taxi', redis, prefix: 'kt' });
  const send = (message: OutboundMessage) => adapter.send(conversation, message);

  beforeAll(async () => {
    fake = await startFakeWhatsapp({ accessTokens: [TOKEN] });
    redis = connect();
    adapter = make();
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await fake.close();
    await redis.quit();
  });

  it('sends text to the customer’s wa_id through /<version>/<phone number id>/messages with the Bearer token', async () => {
    const sent = await send({ text: 'Your taxi is on its way' });
    expect(fake.sent).toHaveLength(1);
    const [message] = fake.sent;
    expect(message).toMatchObject({ type: 'text', to: '16505551234', text: 'Your taxi is on its way', phoneNumberId: PHONE, version: 'v23.0', token: TOKEN });
    expect(message?.message).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '16505551234', type: 'text', text: { body: 'Your taxi is on its way' } });
    expect(sent).toEqual({ messageId: message?.id });
    expect(sent.messageId).toMatch(/^wamid\./);
  });

  it('text with a link asks for a link preview', async () => {
    await send({ text: 'Track it: https://example.com/t/1' });
    expect(fake.sent[0]?.message.text).toEqual({ body: 'Track it: https://example.com/t/1', preview_url: true });
  });

  it('text longer than 4096 characters is split at a line break into several messages', async () => {
    const text = `${'a'.repeat(3000)}\n${'b'.repeat(3000)}`;
    await send({ text });
    expect(fake.sent.map((m) => m.text)).toEqual(['a'.repeat(3000), 'b'.repeat(3000)]);
  });

  it('html text is converted to WhatsApp’s own markup', async () => {
    await send({ text: '<b>Paid</b> &amp; <i>filed</i>: <a href="https://example.com/r/1">receipt</a>', format: 'html' });
    expect(fake.sent[0]?.text).toBe('*Paid* & _filed_: receipt (https://example.com/r/1)');
  });

  it('up to three callback buttons become interactive reply buttons', async () => {
    await send({ text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }, { label: 'Work', data: 'dest:work' }], [{ label: 'Airport', data: 'dest:airport' }]] });
    expect(fake.sent[0]).toMatchObject({ type: 'interactive', interactiveType: 'button', text: 'Where to?' });
    expect(interactiveOf(fake.sent[0]).action).toEqual({
      buttons: [
        { type: 'reply', reply: { id: 'dest:home', title: 'Home' } },
        { type: 'reply', reply: { id: 'dest:work', title: 'Work' } },
        { type: 'reply', reply: { id: 'dest:airport', title: 'Airport' } },
      ],
    });
  });

  it('four to ten callback buttons become an interactive list with one row each', async () => {
    const buttons = Array.from({ length: 7 }, (_, i) => ({ label: `Row ${i + 1}`, data: `seat:${i + 1}` }));
    await send({ text: 'Pick a row', buttons: [buttons] });
    expect(fake.sent[0]).toMatchObject({ type: 'interactive', interactiveType: 'list', text: 'Pick a row' });
    expect(interactiveOf(fake.sent[0]).action).toEqual({ button: 'Choose', sections: [{ rows: buttons.map((b) => ({ id: b.data, title: b.label })) }] });
  });

  it('a button title over 20 characters makes a list even for two buttons', async () => {
    await send({ text: 'Which?', buttons: [[{ label: 'Return ticket, Friday', data: 'r' }, { label: 'Single', data: 's' }]] });
    expect(fake.sent[0]?.interactiveType).toBe('list');
  });

  it('the list button label is a setting', async () => {
    const french = make({ listButton: 'Choisir' });
    await french.send(conversation, { text: 'Quel rang ?', buttons: [[1, 2, 3, 4].map((n) => ({ label: `Rang ${n}`, data: `r${n}` }))] });
    expect(interactiveOf(fake.sent[0]).action).toMatchObject({ button: 'Choisir' });
  });

  it('more buttons than a list holds become numbered text', async () => {
    const buttons = Array.from({ length: 11 }, (_, i) => ({ label: `Stop ${i + 1}`, data: `stop:${i + 1}` }));
    await send({ text: 'Where do you get off?', buttons: [buttons] });
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]?.type).toBe('text');
    expect(fake.sent[0]?.text).toBe(['Where do you get off?', ...buttons.map((b, i) => `${i + 1}. ${b.label}`)].join('\n'));
  });

  it('row titles over 24 characters become numbered text', async () => {
    await send({ text: 'Which?', buttons: [[{ label: 'A very long choice label here', data: 'a' }, { label: 'x'.repeat(25), data: 'b' }]] });
    expect(fake.sent[0]?.type).toBe('text');
  });

  it('exactly one url button becomes a call-to-action button', async () => {
    await send({ text: 'Your bill is ready', buttons: [[{ label: 'Open bill', url: 'https://example.com/b/1' }]] });
    expect(fake.sent[0]).toMatchObject({ type: 'interactive', interactiveType: 'cta_url' });
    expect(interactiveOf(fake.sent[0])).toEqual({
      type: 'cta_url',
      body: { text: 'Your bill is ready' },
      action: { name: 'cta_url', parameters: { display_text: 'Open bill', url: 'https://example.com/b/1' } },
    });
  });

  it('url buttons beside callback buttons become links in the text of the reply buttons', async () => {
    await send({ text: 'Ride booked', buttons: [[{ label: 'Cancel', data: 'ride:cancel' }], [{ label: 'Map', url: 'https://example.com/map' }]] });
    expect(fake.sent[0]).toMatchObject({ interactiveType: 'button', text: 'Ride booked\nMap: https://example.com/map' });
  });

  it('several url buttons become text with links', async () => {
    await send({ text: 'Links', buttons: [[{ label: 'A', url: 'https://example.com/a' }, { label: 'B', url: 'https://example.com/b' }]] });
    expect(fake.sent[0]).toMatchObject({ type: 'text', text: 'Links\nA: https://example.com/a\nB: https://example.com/b' });
  });

  it('a card with a picture and buttons is reply buttons with an image header', async () => {
    await send({ card: { title: 'Bill May', description: 'Total 12 EUR', imageUrl: 'https://example.com/bill.png' }, buttons: [[{ label: 'Pay', data: 'pay' }]] });
    expect(interactiveOf(fake.sent[0])).toMatchObject({
      type: 'button',
      header: { type: 'image', image: { link: 'https://example.com/bill.png' } },
      body: { text: '*Bill May*\nTotal 12 EUR' },
    });
  });

  it('a card with a picture and no buttons is an image with the text as caption', async () => {
    await send({ card: { title: 'Seat 12', imageUrl: 'https://example.com/seat.png', url: 'https://example.com/t/12' }, text: 'Enjoy' });
    expect(fake.sent[0]?.message).toMatchObject({ type: 'image', image: { link: 'https://example.com/seat.png', caption: '*Seat 12*\nhttps://example.com/t/12\nEnjoy' } });
  });

  it('a card without a picture is text', async () => {
    await send({ card: { title: 'Seats', description: 'Friday' } });
    expect(fake.sent[0]).toMatchObject({ type: 'text', text: '*Seats*\nFriday' });
  });

  it('a card with a picture and a list sends the picture first, then the list', async () => {
    await send({ card: { title: 'Menu', imageUrl: 'https://example.com/menu.png' }, buttons: [[1, 2, 3, 4, 5].map((n) => ({ label: `Dish ${n}`, data: `dish:${n}` }))] });
    expect(fake.sent.map((m) => m.interactiveType ?? m.type)).toEqual(['image', 'list']);
  });

  it('media go by link, the text as the first caption; a document keeps its file name', async () => {
    const sent = await send({ text: 'Your ticket', media: [{ kind: 'file', url: 'https://example.com/t/ticket%201.pdf' }, { kind: 'image', url: 'https://example.com/seat.png', caption: 'Seat 12' }] });
    expect(fake.sent.map((m) => m.message[m.type])).toEqual([
      { link: 'https://example.com/t/ticket%201.pdf', caption: 'Your ticket', filename: 'ticket 1.pdf' },
      { link: 'https://example.com/seat.png', caption: 'Seat 12' },
    ]);
    expect(sent.messageId).toBe(fake.sent[1]?.id);
  });

  it('audio has no caption: the text goes first', async () => {
    await send({ text: 'Listen', media: [{ kind: 'audio', url: 'https://example.com/a.ogg' }] });
    expect(fake.sent.map((m) => m.type)).toEqual(['text', 'audio']);
    expect(fake.sent[1]?.message.audio).toEqual({ link: 'https://example.com/a.ogg' });
  });

  it('media with buttons: the media, then the text with the buttons', async () => {
    await send({ text: 'Your receipt', media: [{ kind: 'video', url: 'https://example.com/v.mp4' }], buttons: [[{ label: 'Thanks', data: 'ok' }]] });
    expect(fake.sent.map((m) => m.interactiveType ?? m.type)).toEqual(['video', 'button']);
    expect(fake.sent[1]?.text).toBe('Your receipt');
  });

  it('a template is sent as a template: name, language and body parameters in order', async () => {
    const sent = await send({ text: 'ignored outside the window', template: { id: 'bill_ready', fields: { amount: '12 EUR', due: { value: '1 June', color: '#f00' } } } });
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]?.message.template).toEqual({
      name: 'bill_ready',
      language: { code: 'en_US' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: '12 EUR' }, { type: 'text', text: '1 June' }] }],
    });
    expect(sent.messageId).toBe(fake.sent[0]?.id);
  });

  it('a template’s language is Meta’s form of its BCP 47 tag; named parameters when configured', async () => {
    await make({ templateParameters: 'named' }).send(conversation, { template: { id: 'bill_ready', language: 'pt-BR', fields: { amount: '12 EUR' } } });
    expect(fake.sent[0]?.message.template).toEqual({
      name: 'bill_ready',
      language: { code: 'pt_BR' },
      components: [{ type: 'body', parameters: [{ type: 'text', parameter_name: 'amount', text: '12 EUR' }] }],
    });
  });

  it('a template without fields has no components', async () => {
    await send({ template: { id: 'hello_world', fields: {} } });
    expect(fake.sent[0]?.message.template).toEqual({ name: 'hello_world', language: { code: 'en_US' } });
  });

  it('an empty message is refused without calling WhatsApp', async () => {
    const error = await deliveryError(send({}));
    expect(error.outcome).toEqual({ kind: 'give-up', reason: 'empty message' });
    expect(fake.calls).toHaveLength(0);
  });

  it('button data over 256 characters is refused without calling WhatsApp', async () => {
    const error = await deliveryError(send({ text: 'x', buttons: [[{ label: 'Long', data: 'x'.repeat(257) }]] }));
    expect(error.outcome.kind).toBe('give-up');
    expect(error.message).toMatch(/257 characters/);
    expect(fake.calls).toHaveLength(0);
  });

  it('throughput limit 130429 is a DeliveryError to retry after a second; the retry goes through', async () => {
    fake.failNext(1, { status: 429, code: 130429 });
    const error = await deliveryError(send({ text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'retry-after', seconds: 1 });
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/code 130429/);
    expect(fake.sent).toHaveLength(0);
    await send({ text: 'hi' });
    expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('the pair rate limit 131056 waits six seconds', async () => {
    fake.failNext(1, { status: 400, code: 131056 });
    expect((await deliveryError(send({ text: 'hi' }))).outcome).toEqual({ kind: 'retry-after', seconds: 6 });
  });

  it('a Retry-After header longer than the usual wait is honoured', async () => {
    fake.failNext(1, { status: 429, code: 80007, retryAfter: 120 });
    expect((await deliveryError(send({ text: 'hi' }))).outcome).toEqual({ kind: 'retry-after', seconds: 120 });
  });

  it('re-engagement 131047 gives up with a window-closed reason', async () => {
    fake.failNext(1, { status: 400, code: 131047, details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' });
    const error = await deliveryError(send({ text: 'hi' }));
    expect(error.outcome.kind).toBe('give-up');
    expect(error.outcome.kind === 'give-up' && error.outcome.reason).toMatch(/^window-closed: 131047 .*24 hours/);
  });

  it('a 500 is a DeliveryError to retry', async () => {
    fake.failNext(1, { status: 500 });
    const error = await deliveryError(send({ text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'retry' });
    expect(error.status).toBe(500);
  });

  it('undeliverable 131026 gives up naming the code', async () => {
    fake.failNext(1, { status: 400, code: 131026 });
    const error = await deliveryError(send({ text: 'hi' }));
    expect(error.outcome.kind === 'give-up' && error.outcome.reason).toMatch(/^131026 message undeliverable/);
  });

  it('a refused access token gives up naming code 190 and the setting', async () => {
    const stranger = make({ accessToken: 'not-the-token' });
    const error = await deliveryError(stranger.send(conversation, { text: 'hi' }));
    expect(error.status).toBe(401);
    expect(error.outcome.kind === 'give-up' && error.outcome.reason).toMatch(/^190 .*settings\.accessToken/);
    expect(error.message).not.toContain('not-the-token');
  });

  it('the fake enforces the 24-hour window: free-form refused with 131047, a template sent, free-form allowed once the customer wrote', async () => {
    const strict = await startFakeWhatsapp({ enforceWindow: true });
    try {
      const windowed = make({}, strict.apiRoot);
      const refused = await deliveryError(windowed.send(conversation, { text: 'hi' }));
      expect(refused.outcome.kind === 'give-up' && refused.outcome.reason).toMatch(/^window-closed:/);
      await windowed.send(conversation, { template: { id: 'hello_world', fields: {} } });
      strict.customerWrote(conversation.chat, Date.now() - 23 * 3_600_000);
      await windowed.send(conversation, { text: 'hi' });
      strict.customerWrote(conversation.chat, Date.now() - 25 * 3_600_000);
      await deliveryError(windowed.send(conversation, { text: 'hi again' }));
      expect(strict.sent.map((m) => m.type)).toEqual(['template', 'text']);
    } finally {
      await strict.close();
    }
  });

  it('a refused connection is a DeliveryError to retry, without the token in the message', async () => {
    const port = await freePort();
    const error = await deliveryError(make({}, `http://127.0.0.1:${port}`).send(conversation, { text: 'hi' }));
    expect(error.outcome).toEqual({ kind: 'retry' });
    expect(error.message).not.toContain(TOKEN);
  });

  it('an API that does not answer in time is a DeliveryError to retry', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const error = await deliveryError(make({ timeoutMs: 200 }, `http://127.0.0.1:${port}`).send(conversation, { text: 'hi' }));
      expect(error.outcome).toEqual({ kind: 'retry' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('whatsapp adapter: classifyError', () => {
  it.each([
    [new WhatsappApiError('(#130429) Rate limit hit', 400, { code: 130429 }), { kind: 'retry-after', seconds: 1 }],
    [new WhatsappApiError('(#131056) pair rate limit hit', 400, { code: 131056 }), { kind: 'retry-after', seconds: 6 }],
    [new WhatsappApiError('(#80007) Rate limit issues', 400, { code: 80007 }), { kind: 'retry-after', seconds: 60 }],
    [new WhatsappApiError('(#4) Application request limit reached', 400, { code: 4 }), { kind: 'retry-after', seconds: 60 }],
    [new WhatsappApiError('Too Many Requests', 429, { retryAfter: 3 }), { kind: 'retry-after', seconds: 3 }],
    [new WhatsappApiError('Too Many Requests', 429), { kind: 'retry-after', seconds: 1 }],
    [new WhatsappApiError('(#131000) Something went wrong', 500, { code: 131000 }), { kind: 'retry' }],
    [new WhatsappApiError('(#2) Service temporarily unavailable', 400, { code: 2 }), { kind: 'retry' }],
    [new WhatsappApiError('Bad Gateway', 502), { kind: 'retry' }],
    [new WhatsappApiError('(#131051) Unsupported message type', 400, { code: 131051 }), { kind: 'give-up', reason: '131051 unsupported message type' }],
    [new WhatsappApiError('(#100) Invalid parameter', 400, { code: 100, details: 'Unexpected key "foo"' }), { kind: 'give-up', reason: '100 invalid parameter: the message does not fit the Cloud API (see details): Unexpected key "foo"' }],
    [new WhatsappApiError('(#131009) Parameter value is not valid', 400, { code: 131009 }), { kind: 'give-up', reason: '131009 (#131009) Parameter value is not valid' }],
    [Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }), { kind: 'retry' }],
    [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), { kind: 'retry' }],
    [new TypeError('x is not a function'), { kind: 'give-up', reason: 'unexpected error: x is not a function' }],
  ])('classifies %s', (error, outcome) => {
    expect(classifyWhatsappError(error)).toEqual(outcome);
  });

  it('131047 gives up with a reason the delivery layer recognises as a closed window', () => {
    const outcome = classifyWhatsappError(new WhatsappApiError('(#131047) Re-engagement message', 400, { code: 131047 }));
    expect(outcome.kind === 'give-up' && outcome.reason.startsWith('window-closed:')).toBe(true);
  });

  it('a DeliveryError keeps its own outcome', () => {
    expect(classifyWhatsappError(new DeliveryError('x', { kind: 'retry-after', seconds: 9 }))).toEqual({ kind: 'retry-after', seconds: 9 });
  });
});
