/**
 * One customer on two platforms: a code shown on Telegram and typed in the web chat links the
 * accounts, so `ctx.customer.id` is the same on both; wrong, expired, reused and own codes are
 * refused; an export covers both accounts and an erasure removes both.
 */
import { Bot, createKiosk, createLogger, postTelegramUpdate, session, startFakeTelegram, telegram, telegramTextUpdate, type Context, type FakeTelegram, type Kiosk, type SessionFlavor } from '../../framework/index';
import { webchat } from '../../framework/adapters/webchat/adapter';
import { eraseCustomerData, exportCustomerData } from '../../framework/privacy';
import { openWebchat, type WebchatClient } from '../../framework/testing/webchat-client';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { connect, uniquePrefix } from '../helpers/redis';
import { sleep } from '../helpers/wait';

type LinkContext = Context & SessionFlavor<{ said: string[] }>;

function linkBot(): Bot<LinkContext> {
  const bot = new Bot<LinkContext>('shop');
  bot.use(session({ initial: () => ({ said: [] as string[] }) }));
  bot.command('whoami', (ctx) => ctx.reply(`id ${ctx.customer.id}`));
  bot.command('code', async (ctx) => {
    const ttlSeconds = ctx.match ? Number(ctx.match) : undefined;
    const { code } = await ctx.customer.linkCode(ttlSeconds ? { ttlSeconds } : {});
    await ctx.reply(`code ${code}`);
  });
  bot.command('link', async (ctx) => {
    const result = await ctx.customer.link(String(ctx.match));
    // ctx.customer.id follows the link within the same update.
    await ctx.reply(result.linked ? `linked ${result.id} ${ctx.customer.id}` : `refused ${result.reason}`);
  });
  bot.command('unlink', async (ctx) => ctx.reply(`unlinked ${await ctx.customer.unlink()} ${ctx.customer.id}`));
  bot.on('message:text', async (ctx) => {
    ctx.session.said.push(ctx.text);
    await ctx.reply('ok');
  });
  return bot;
}

describe('linking a customer\'s accounts across platforms', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base: string;
  let updateId = 1000;
  const open: WebchatClient[] = [];

  /** Send on Telegram as `user` and wait for the bot's answer. */
  const telegramSays = async (user: number, text: string): Promise<string> => {
    const before = fake.sent.filter((m) => m.chat_id === String(user)).length;
    await postTelegramUpdate(base, 'shop', telegramTextUpdate({ updateId: ++updateId, chatId: user, text }), TELEGRAM_SECRET);
    await fake.waitFor((m) => m.chat_id === String(user) && fake.sent.filter((s) => s.chat_id === String(user)).length > before);
    return fake.sent.filter((m) => m.chat_id === String(user))[before]!.text ?? '';
  };
  const visitor = async () => {
    const client = await openWebchat(base, 'shop');
    open.push(client);
    return client;
  };
  const webSays = async (client: WebchatClient, text: string): Promise<string> => {
    await client.send(text);
    return (await client.nextMessage()).text ?? '';
  };

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const config = testConfig(prefix, { shop: { telegram: telegramSettings(fake.apiRoot), webchat: { secret: 'dev-only-webchat-secret-0123456789' } } });
    kiosk = createKiosk({ config, bots: [linkBot()], adapters: [telegram, webchat], logger: createLogger({ level: 'silent' }) });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await kiosk.close();
    await fake.close();
    await dropPrefix(prefix);
    redis.disconnect();
  });

  test('a code shown on Telegram and typed in the web chat gives both accounts one customer id', async () => {
    const tgId = (await telegramSays(5550001, '/whoami')).slice(3);
    const web = await visitor();
    const webId = (await webSays(web, '/whoami')).slice(3);
    expect(tgId).toMatch(/^c-[0-9a-f]{24}$/);
    expect(webId).not.toBe(tgId);
    // Stable without a link: asked again, the same id.
    expect((await telegramSays(5550001, '/whoami')).slice(3)).toBe(tgId);

    const code = (await telegramSays(5550001, '/code')).slice(5);
    expect(await webSays(web, `/link ${code.toLowerCase().slice(0, 4)}-${code.slice(4)}`)).toBe(`linked ${tgId} ${tgId}`);
    expect(await webSays(web, '/whoami')).toBe(`id ${tgId}`);
    expect(await telegramSays(5550001, '/whoami')).toBe(`id ${tgId}`);
    expect(await kiosk.identity.customerOf({ platform: 'webchat', user: web.visitor })).toEqual({
      id: tgId,
      accounts: expect.arrayContaining([{ platform: 'telegram', user: '5550001' }, { platform: 'webchat', user: web.visitor }]),
    });
  });

  test('wrong, reused, expired and own codes are refused and link nothing', async () => {
    const web = await visitor();
    const before = await webSays(web, '/whoami');
    expect(await webSays(web, '/link ZZZZ2222')).toBe('refused invalid-or-expired');
    expect(await webSays(web, '/link not-a-code')).toBe('refused malformed');

    const code = (await telegramSays(5550002, '/code')).slice(5);
    expect(await telegramSays(5550002, `/link ${code}`)).toBe('refused own-code');
    const other = await visitor();
    expect((await webSays(other, `/link ${code}`)).startsWith('linked ')).toBe(true);
    expect(await webSays(web, `/link ${code}`)).toBe('refused invalid-or-expired');

    const short = (await telegramSays(5550003, '/code 0.3')).slice(5);
    await sleep(500);
    expect(await webSays(web, `/link ${short}`)).toBe('refused invalid-or-expired');
    expect(await webSays(web, '/whoami')).toBe(before);
  });

  test('an account that typed too many wrong codes is refused even a right one for a while', async () => {
    const web = await visitor();
    for (let i = 0; i < 5; i++) expect(await webSays(web, `/link WRNG${2222 + i}`)).toBe('refused invalid-or-expired');
    const code = (await telegramSays(5550004, '/code')).slice(5);
    expect(await webSays(web, `/link ${code}`)).toBe('refused too-many-attempts');
  });

  test('two accounts typing the same code at once: one links, the other is refused', async () => {
    const code = (await kiosk.identity.issueCode({ platform: 'telegram', user: '5550005' })).code;
    const results = await Promise.all(['a', 'b', 'c'].map((v) => kiosk.identity.link({ platform: 'webchat', user: `race-${v}` }, code)));
    expect(results.filter((r) => r.linked)).toHaveLength(1);
  });

  test('unlinking gives the account an id of its own and leaves the others linked', async () => {
    const web = await visitor();
    const tgId = (await telegramSays(5550006, '/whoami')).slice(3);
    const code = (await telegramSays(5550006, '/code')).slice(5);
    await webSays(web, `/link ${code}`);
    // The account that issued the code leaves: it must not keep the id the web chat still has.
    const unlinked = await telegramSays(5550006, '/unlink');
    expect(unlinked.startsWith('unlinked true ')).toBe(true);
    expect(unlinked.slice('unlinked true '.length)).not.toBe(tgId);
    expect(await webSays(web, '/whoami')).toBe(`id ${tgId}`);
    expect(await telegramSays(5550006, '/unlink')).toMatch(/^unlinked false /);
  });

  test('an export covers both linked accounts and an erasure removes both', async () => {
    const web = await visitor();
    await telegramSays(5550007, 'TGSECRET-one');
    const code = (await telegramSays(5550007, '/code')).slice(5);
    await webSays(web, `/link ${code}`);
    await webSays(web, 'WEBSECRET-two');
    const id = (await telegramSays(5550007, '/whoami')).slice(3);

    const data = await exportCustomerData(kiosk, { platform: 'webchat', user: web.visitor });
    expect(data.customer.id).toBe(id);
    expect(data.customer.accounts).toEqual(expect.arrayContaining([{ platform: 'telegram', user: '5550007' }, { platform: 'webchat', user: web.visitor }]));
    const sessions = JSON.stringify(data.sessions.map((s) => s.value));
    expect(sessions).toContain('TGSECRET-one');
    expect(sessions).toContain('WEBSECRET-two');
    expect(data.inboundUpdates.map((u) => (u.data as { platform: string }).platform).sort()).toEqual(expect.arrayContaining(['telegram', 'webchat']));
    expect(data.webchatReplies).toHaveLength(1);

    await sleep(200);
    const erased = await eraseCustomerData(kiosk, { platform: 'telegram', user: '5550007' });
    expect(erased.customerId).toBe(id);
    expect(erased.counts.sessions).toBe(2);
    expect(erased.counts.webchatStreams).toBe(1);
    expect(erased.counts.identityKeys).toBe(3);
    expect(await redis.exists(`${prefix}:identity:customer:${id}`, `${prefix}:identity:account:telegram:5550007`, `${prefix}:identity:account:webchat:${web.visitor}`)).toBe(0);
    const after = await exportCustomerData(kiosk, { platform: 'webchat', user: web.visitor });
    expect(after.customer.accounts).toEqual([{ platform: 'webchat', user: web.visitor }]);
    expect(after.customer.id).not.toBe(id);
    expect([after.sessions, after.inboundUpdates, after.outboundMessages, after.webchatReplies].every((list) => list.length === 0)).toBe(true);
    const tgAfter = await exportCustomerData(kiosk, { platform: 'telegram', user: '5550007' });
    expect(tgAfter.sessions).toEqual([]);
    expect(JSON.stringify(tgAfter)).not.toContain('TGSECRET');
  });
});
