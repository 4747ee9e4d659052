/**
 * The web chat through Kiosk: a visitor posts to the same webhook path as every platform
 * and receives the bot's replies over Server-Sent Events, from a worker via Redis.
 */
import { Bot } from '../../framework/core/bot';
import { createKiosk, type Kiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';
import { openWebchat } from '../../framework/testing/webchat-client';
import { dropPrefix, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

describe('web chat through Kiosk', () => {
  const prefix = uniquePrefix();
  let kiosk: Kiosk;
  let base: string;

  beforeAll(async () => {
    const bot = new Bot('taxi');
    bot.command('taxi', (ctx) => ctx.reply('Where shall we pick you up?', { buttons: [[{ label: 'Here', data: 'pickup:here' }]] }));
    bot.button('pickup:here', (ctx) => ctx.reply('Share your location, please'));
    bot.on('message:location', (ctx) => ctx.reply(`Pickup at ${ctx.location.latitude}`));
    bot.on('message:text', (ctx) => ctx.reply(`(${ctx.from.locale ?? '?'}) ${ctx.text}`));
    const config = testConfig(prefix, { taxi: { webchat: { secret: 'dev-only-webchat-secret-0123456789' } } }, { inboundPartitions: 2 });
    kiosk = createKiosk({ config, bots: [bot], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    await kiosk.close();
    await dropPrefix(prefix);
  });

  test('a visitor orders with a command, a button and a location, and sees every reply in order', async () => {
    const visitor = await openWebchat(base, 'taxi');
    expect((await visitor.send('/taxi')).status).toBe(200);
    const first = await visitor.nextMessage();
    expect(first.text).toBe('Where shall we pick you up?');
    expect(first.buttons).toEqual([[{ label: 'Here', data: 'pickup:here' }]]);
    await visitor.send({ button: { data: 'pickup:here' } });
    expect((await visitor.nextMessage()).text).toBe('Share your location, please');
    await visitor.send({ location: { latitude: 48.85, longitude: 2.35 } });
    expect((await visitor.nextMessage()).text).toBe('Pickup at 48.85');
    visitor.close();
  });

  test('one visitor never receives another visitor\'s replies', async () => {
    const alice = await openWebchat(base, 'taxi', { locale: 'fr' });
    const bob = await openWebchat(base, 'taxi', { locale: 'zh' });
    await alice.send('bonjour');
    await bob.send('你好');
    expect((await alice.nextMessage()).text).toBe('(fr) bonjour');
    expect((await bob.nextMessage()).text).toBe('(zh) 你好');
    await sleep(200);
    expect(alice.messages).toHaveLength(1);
    expect(bob.messages).toHaveLength(1);
    alice.close();
    bob.close();
  });

  test('a retried POST with the same message id is handled once', async () => {
    const visitor = await openWebchat(base, 'taxi');
    await Promise.all([visitor.send('once', 'm-1'), visitor.send('once', 'm-1'), visitor.send('once', 'm-1')]);
    await visitor.nextMessage();
    await sleep(300);
    expect(visitor.messages.map((m) => m.text)).toEqual(['(?) once']);
    visitor.close();
  });

  test('the chat page is served', async () => {
    const page = await fetch(`${base}/webchat/taxi`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});
