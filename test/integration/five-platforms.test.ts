/**
 * One bot, five platforms: the taxi bot in `bots/` runs unchanged on web chat, Telegram,
 * WeChat, WhatsApp and LINE. The same conversation (order a taxi, pickup, destination, fare,
 * confirm, driver assigned) is driven through each platform's webhook as that platform sends
 * it, and each platform's fake shows what the customer saw there, in its own native form.
 */
import { join } from 'node:path';
import { createTaxiBot } from '../../bots/taxi';
import {
  builtinAdapters,
  createKiosk,
  createLogger,
  createTemplates,
  lineTextEvent,
  linePostbackEvent,
  lineWebhookBody,
  openWebchat,
  postLine,
  postTelegramUpdate,
  postWechat,
  postWhatsapp,
  startFakeLine,
  startFakeTelegram,
  startFakeWechat,
  startFakeWhatsapp,
  telegramCallbackUpdate,
  telegramTextUpdate,
  wechatTextXml,
  whatsappButtonReply,
  whatsappText,
  whatsappWebhook,
  type FakeLine,
  type FakeTelegram,
  type FakeWechat,
  type FakeWhatsapp,
  type Kiosk,
  type WebchatClient,
} from '../../framework/index';
import { rideTimings, taxiJobs } from '../../workers/taxi/jobs';
import { dropPrefix, TELEGRAM_SECRET, telegramSettings, testConfig } from '../helpers/kiosk';
import { uniquePrefix } from '../helpers/redis';
import { waitUntil } from '../helpers/wait';

const WECHAT = { appId: 'wxfiveplatforms', appSecret: 'dev-only-wechat-secret', token: 'devWechatToken', encodingAESKey: 'Zx9y8W7v6U5t4S3r2Q1p0OnMlKjIhGfEdCbA0123456' };
const WHATSAPP = { phoneNumberId: '106540352242922', accessToken: 'dev-only-wa-token', appSecret: 'dev-only-wa-app-secret', verifyToken: 'dev-only-verify' };
const LINE = { channelSecret: 'dev-only-line-channel-secret', channelAccessToken: 'dev-only-line-token' };
const WEBCHAT = { secret: 'dev-only-webchat-secret-for-tests' };

/** What a test needs of a platform: write, tap a button, and read what the customer saw. */
interface Customer {
  say(text: string): Promise<void>;
  press(data: string): Promise<void>;
  /** The texts the customer has received, in order. */
  texts(): string[];
  /** The button data offered with the latest message, in the platform's native form. */
  lastButtons(): string[];
}

describe('one bot, five platforms', () => {
  const prefix = uniquePrefix();
  const saved = { ...rideTimings };
  let telegramFake: FakeTelegram;
  let wechatFake: FakeWechat;
  let whatsappFake: FakeWhatsapp;
  let lineFake: FakeLine;
  let kiosk: Kiosk;
  let base: string;
  let sequence = 700_000;

  beforeAll(async () => {
    rideTimings.arrivingAfterMs = 60_000;
    rideTimings.arrivedAfterMs = 120_000;
    [telegramFake, wechatFake, whatsappFake, lineFake] = await Promise.all([
      startFakeTelegram(),
      startFakeWechat({ appId: WECHAT.appId, appSecret: WECHAT.appSecret }),
      startFakeWhatsapp({ accessTokens: [WHATSAPP.accessToken] }),
      startFakeLine({ tokens: [LINE.channelAccessToken] }),
    ]);
    const platforms = {
      webchat: WEBCHAT,
      telegram: telegramSettings(telegramFake.apiRoot),
      wechat: { ...WECHAT, apiRoot: wechatFake.apiRoot },
      whatsapp: { ...WHATSAPP, apiRoot: whatsappFake.apiRoot },
      line: { ...LINE, apiRoot: lineFake.apiRoot },
    };
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    kiosk = createKiosk({
      config: testConfig(prefix, { taxi: platforms }, { inboundPartitions: 4 }),
      bots: [createTaxiBot()],
      adapters: builtinAdapters,
      jobs: taxiJobs,
      render: templates.render,
      logger: createLogger({ level: 'silent' }),
    });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    Object.assign(rideTimings, saved);
    await kiosk.close();
    await Promise.all([telegramFake.close(), wechatFake.close(), whatsappFake.close(), lineFake.close()]);
    await dropPrefix(prefix);
  });

  const customers: Record<string, () => Promise<Customer>> = {
    webchat: async () => {
      const visitor: WebchatClient = await openWebchat(base, 'taxi');
      return {
        say: async (text) => void (await visitor.send(text)),
        press: async (data) => void (await visitor.send({ button: { data } })),
        texts: () => visitor.messages.map((m) => m.text ?? ''),
        lastButtons: () => (visitor.messages.at(-1)?.buttons ?? []).flat().map((b) => ('data' in b ? b.data : b.url)),
      };
    },
    telegram: async () => {
      const chatId = ++sequence;
      const mine = () => telegramFake.sent.filter((m) => m.chat_id === String(chatId));
      return {
        say: async (text) => void (await postTelegramUpdate(base, 'taxi', telegramTextUpdate({ updateId: ++sequence, chatId, text }), TELEGRAM_SECRET)),
        press: async (data) => void (await postTelegramUpdate(base, 'taxi', telegramCallbackUpdate({ updateId: ++sequence, chatId, data }), TELEGRAM_SECRET)),
        texts: () => mine().map((m) => m.text ?? ''),
        lastButtons: () => (mine().at(-1)?.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data ?? b.url ?? ''),
      };
    },
    wechat: async () => {
      const openId = `oFive${++sequence}`;
      const mine = () => wechatFake.sent.filter((m) => m.openid === openId);
      const post = (xml: string) => postWechat(base, 'taxi', xml, { token: WECHAT.token, appId: WECHAT.appId, encodingAESKey: WECHAT.encodingAESKey });
      return {
        say: async (text) => void (await post(wechatTextXml({ openId, text, msgId: ++sequence }))),
        // A tap on a msgmenu option arrives as a text message carrying the option's id.
        press: async (data) => void (await post(wechatTextXml({ openId, text: data, msgId: ++sequence, bizMsgMenuId: data }))),
        texts: () => mine().map((m) => m.text ?? ''),
        lastButtons: () => ((mine().at(-1)?.body as { msgmenu?: { list: Array<{ id: string }> } }).msgmenu?.list ?? []).map((o) => o.id),
      };
    },
    whatsapp: async () => {
      const from = `4477009${++sequence}`;
      const mine = () => whatsappFake.sent.filter((m) => m.to === from);
      const post = (message: ReturnType<typeof whatsappText>) => postWhatsapp(base, 'taxi', whatsappWebhook({ messages: [message] }), WHATSAPP.appSecret);
      return {
        say: async (text) => void (await post(whatsappText({ from, text }))),
        press: async (data) => void (await post(whatsappButtonReply({ from, data }))),
        texts: () => mine().map((m) => m.text ?? ''),
        lastButtons: () => {
          const action = (mine().at(-1)?.message as { interactive?: { action?: { buttons?: Array<{ reply: { id: string } }> } } }).interactive?.action;
          return (action?.buttons ?? []).map((b) => b.reply.id);
        },
      };
    },
    line: async () => {
      const userId = `U${(++sequence).toString(16).padStart(32, '0')}`;
      const mine = () => lineFake.sent.filter((m) => m.to === userId);
      const post = (event: Record<string, unknown>) => postLine(base, 'taxi', lineWebhookBody([event]), LINE.channelSecret);
      return {
        say: async (text) => void (await post(lineTextEvent({ userId, text, replyToken: lineFake.issueReplyToken(userId) }))),
        press: async (data) => void (await post(linePostbackEvent({ userId, data, replyToken: lineFake.issueReplyToken(userId) }))),
        texts: () => mine().map((m) => m.text ?? ''),
        lastButtons: () =>
          (mine().at(-1)?.quickReply?.items ?? []).map((item) => (item as unknown as { action: { data?: string } }).action.data ?? ''),
      };
    },
  };

  test.each(Object.keys(customers))('the same taxi conversation on %s', async (platform) => {
    const customer = await customers[platform]!();
    const expectTexts = async (count: number) => {
      await waitUntil(() => customer.texts().length >= count, `${count} messages on ${platform}`, 10_000);
      return customer.texts();
    };

    await customer.say('/taxi');
    expect((await expectTexts(1))[0]).toBe('Where shall we pick you up? Type an address or share your location.');
    await customer.say('10 Downing Street');
    expect((await expectTexts(2))[1]).toBe('Pickup: 10 Downing Street. Where are you going?');
    await customer.say('Heathrow');
    expect((await expectTexts(3))[2]).toMatch(/^From 10 Downing Street to Heathrow: about €\d+\.\d{2}, \d+ minutes\. Shall we send a driver\?/);
    // The fare's buttons, in whatever form the platform shows them (WeChat: a msgmenu; WhatsApp: reply buttons; LINE: quick replies).
    expect(customer.lastButtons()).toEqual(['taxi:confirm', 'taxi:cancel', 'taxi:change']);
    await customer.press('taxi:confirm');
    const texts = await expectTexts(5);
    expect(texts.slice(3, 5)).toEqual(
      expect.arrayContaining(['Looking for a driver near 10 Downing Street…', expect.stringMatching(/ is on the way in a .+, arriving in about \d+ minutes\.$/)]),
    );
  });
});
