/**
 * The bills bot as customers on Telegram live it, in a real Kiosk against a fake Bot API:
 * link an account (a wrong postcode is re-asked), see the bill, pay it (the simulated
 * provider calls the signed callback route back) and get the receipt; paying twice is
 * impossible even with presses at once; the monthly run and the reminder go out as
 * broadcasts; a callback with a bad signature is refused.
 */
import { join } from 'node:path';
import {
  BillsStore,
  SAMPLE_ACCOUNTS,
  SIGNATURE_HEADER,
  SimulatedPaymentProvider,
  billingPeriod,
  billsRouter,
  createBillsBot,
  signPaymentCallback,
  type Account,
} from '../../bots/bills';
import {
  createKiosk,
  createLogger,
  createTemplates,
  postTelegramUpdate,
  startFakeTelegram,
  telegram,
  telegramCallbackUpdate,
  telegramTextUpdate,
  type Conversation,
  type FakeTelegram,
  type Kiosk,
} from '../../framework/index';
import { createBillsJobs, BILLS_SCHEDULES, type BillsJobs } from '../../workers/bills/jobs';
import { dropPrefix, telegramSettings, TELEGRAM_SECRET, testConfig } from '../helpers/kiosk';
import { connect, uniquePrefix } from '../helpers/redis';
import { sleep, waitUntil } from '../helpers/wait';

const PAYMENT_SECRET = 'dev-only-payment-secret';
const CALLBACK_PATH = '/payments/bills/callback';
const EXTRA_ACCOUNTS: Account[] = [
  { number: 'ACC-2001', name: 'Test One', postcode: '10001', currency: 'EUR' },
  { number: 'ACC-2002', name: 'Test Two', postcode: '10002', currency: 'EUR' },
  { number: 'ACC-2003', name: 'Test Three', postcode: '10003', currency: 'EUR' },
];

describe('bills bot', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  const store = new BillsStore(redis, { prefix: `${prefix}:bills` });
  let fake: FakeTelegram;
  let kiosk: Kiosk;
  let base = '';
  let payments: SimulatedPaymentProvider;
  let billsJobs: BillsJobs;
  let updateId = 10_000;

  const say = (chatId: number, text: string, languageCode = 'en') =>
    postTelegramUpdate(base, 'bills', telegramTextUpdate({ updateId: ++updateId, chatId, text, languageCode }), TELEGRAM_SECRET);
  const press = (chatId: number, data: string, languageCode = 'en') =>
    postTelegramUpdate(base, 'bills', telegramCallbackUpdate({ updateId: ++updateId, chatId, data, languageCode }), TELEGRAM_SECRET);
  const sentTo = (chatId: number) => fake.sent.filter((m) => m.chat_id === String(chatId));
  const textsTo = (chatId: number) => sentTo(chatId).map((m) => m.text ?? '');
  const next = async (chatId: number, count: number) => {
    await waitUntil(() => textsTo(chatId).length >= count, `message ${count} to chat ${chatId}`);
    return textsTo(chatId)[count - 1]!;
  };
  const chat = (id: number, locale = 'en'): Conversation => ({ bot: 'bills', platform: 'telegram', chat: String(id), user: String(id), locale });
  const postCallback = (body: string, signature?: string) =>
    fetch(`${base}${CALLBACK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) }, body });

  beforeAll(async () => {
    fake = await startFakeTelegram();
    await store.seedAccounts([...SAMPLE_ACCOUNTS, ...EXTRA_ACCOUNTS]);
    payments = new SimulatedPaymentProvider({ secret: PAYMENT_SECRET, callbackUrl: () => `${base}${CALLBACK_PATH}`, delayMs: 300 });
    const config = testConfig(prefix, { bills: { telegram: telegramSettings(fake.apiRoot) } }, { inboundPartitions: 4 });
    const templates = createTemplates({ root: join(__dirname, '../../templates') });
    billsJobs = createBillsJobs({ store, broadcast: (options) => kiosk.broadcast(options) });
    kiosk = createKiosk({
      config,
      bots: [createBillsBot({ store, payments, idleTimeoutMs: 60_000 })],
      adapters: [telegram],
      jobs: billsJobs.all,
      render: templates.render,
      logger: createLogger({ level: 'silent' }),
      routers: (parts) => [billsRouter({ store, secret: PAYMENT_SECRET, kiosk: parts })],
    });
    base = await kiosk.listen(0);
    await kiosk.startWorkers();
  });

  afterAll(async () => {
    payments.close();
    await kiosk.close();
    await fake.close();
    redis.disconnect();
    await dropPrefix(prefix);
  });

  test('linking an account: a malformed or unknown number and a wrong postcode are re-asked, the right pair links it', async () => {
    await say(1, '/bills');
    expect(await next(1, 1)).toBe('No account is linked to this chat yet. What would you like to do?');
    await press(1, 'bills:link');
    expect(await next(1, 2)).toBe('What is your account number? It is printed at the top of your paper bill, e.g. ACC-1001.');
    await say(1, 'my account');
    expect(await next(1, 3)).toBe('That does not look like an account number. Please type it as on your bill, e.g. ACC-1001.');
    await say(1, 'ACC-9999');
    expect(await next(1, 4)).toBe('We could not find that account number.');
    expect(await next(1, 5)).toMatch(/^What is your account number\?/);
    await say(1, 'acc 1001');
    expect(await next(1, 6)).toBe('To prove the account is yours, what is the postcode of the supply address?');
    await say(1, 'XX1 1XX');
    expect(await next(1, 7)).toBe('That postcode does not match the account.');
    expect(await next(1, 8)).toBe('To prove the account is yours, what is the postcode of the supply address?');
    await say(1, 'sw1a 1aa');
    expect(await next(1, 9)).toBe('Done: account ACC-1001 (Ada Lovelace) is linked to this chat.');
    expect((await store.linkOf(chat(1)))?.account).toBe('ACC-1001');
    await say(1, '/bills');
    expect(await next(1, 10)).toBe('Account ACC-1001 (Ada Lovelace). What would you like to do?');
  });

  test('three wrong answers end the link without linking, in French for a French customer', async () => {
    await say(2, '/link', 'fr');
    await next(2, 1);
    await say(2, 'ACC-1002', 'fr');
    expect(await next(2, 2)).toMatch(/^Pour vérifier que ce compte est le vôtre/);
    for (const wrong of ['11111', '22222']) await say(2, wrong, 'fr');
    await say(2, '33333', 'fr');
    await waitUntil(() => textsTo(2).some((t) => t.startsWith('Trop de réponses erronées')), 'the refusal');
    expect(await store.linkOf(chat(2))).toBeUndefined();
  });

  test('see the bill, pay it, the provider calls back and the receipt arrives; a second Pay says it is paid', async () => {
    await store.link(chat(3), 'ACC-1003');
    const { bill } = await store.issueBill(SAMPLE_ACCOUNTS[2]!, billingPeriod('2026-11-01'), 5678);
    await say(3, '/bill');
    expect(await next(3, 1)).toBe('Bill for Oct 1, 2026 – Oct 31, 2026: €56.78, due Nov 15, 2026. Not paid yet.');
    expect(sentTo(3)[0]!.reply_markup?.inline_keyboard?.[0]?.[0]).toMatchObject({ text: 'Pay now', callback_data: `bills:pay:${bill.id}` });
    await press(3, `bills:pay:${bill.id}`);
    expect(await next(3, 2)).toBe('Pay €56.78 securely on the payment page. Your receipt will arrive here.');
    expect(sentTo(3)[1]!.reply_markup?.inline_keyboard?.[0]?.[0]?.url).toMatch(/^https:\/\/pay\.example\.com\/checkout\/sim_/);
    expect(await next(3, 3)).toMatch(/^Payment received: €56\.78 for Oct 1, 2026 – Oct 31, 2026, account ACC-1003\. Receipt sim_\w+\. Thank you!$/);
    expect((await store.bill(bill.id))?.state).toBe('paid');
    await press(3, 'bills:pay');
    expect(await next(3, 4)).toBe('This bill (€56.78) is already paid. Thank you!');
    await say(3, '/bill');
    expect(await next(3, 5)).toBe('Bill for Oct 1, 2026 – Oct 31, 2026: €56.78, due Nov 15, 2026. Paid, thank you.');
  });

  test('Pay pressed at once, twice in one chat and once in another chat of the same account, creates one payment and one receipt', async () => {
    await store.link(chat(41), 'ACC-2001');
    await store.link(chat(42), 'ACC-2001');
    const { bill } = await store.issueBill(EXTRA_ACCOUNTS[0]!, billingPeriod('2026-11-01'), 4200);
    await Promise.all([press(41, 'bills:pay'), press(41, 'bills:pay'), press(42, 'bills:pay')]);
    await waitUntil(() => textsTo(41).length + textsTo(42).length >= 3, 'three answers');
    await waitUntil(() => [...textsTo(41), ...textsTo(42)].some((t) => t.startsWith('Payment received')), 'the receipt');
    await sleep(800);
    expect(payments.created.filter((p) => p.billId === bill.id)).toHaveLength(1);
    const all = [...textsTo(41), ...textsTo(42)];
    expect(all.filter((t) => t.startsWith('Pay €42.00'))).toHaveLength(1);
    expect(all.filter((t) => t.startsWith('A payment for this bill is already in progress') || t.startsWith('This bill (€42.00) is already paid'))).toHaveLength(2);
    expect(all.filter((t) => t.startsWith('Payment received'))).toHaveLength(1);
  });

  test('two concurrent callbacks for one payment produce one receipt', async () => {
    await store.link(chat(5), 'ACC-2002');
    const { bill } = await store.issueBill(EXTRA_ACCOUNTS[1]!, billingPeriod('2026-11-01'), 1500);
    const start = await store.startPayment(bill.id, chat(5));
    if (start.kind !== 'reserved') throw new Error('expected a reservation');
    const body = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', paymentId: 'sim_concurrent', reference: start.reference, amount: 1500, currency: 'EUR' });
    const answers = await Promise.all([postCallback(body, signPaymentCallback(PAYMENT_SECRET, body)), postCallback(body, signPaymentCallback(PAYMENT_SECRET, body))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect((await Promise.all(answers.map((a) => a.json() as Promise<{ outcome: string }>))).map((b) => b.outcome).sort()).toEqual(['already-paid', 'paid']);
    expect(await next(5, 1)).toMatch(/^Payment received: €15\.00/);
    // A provider retrying the callback later queues nothing either.
    expect((await postCallback(body, signPaymentCallback(PAYMENT_SECRET, body))).status).toBe(200);
    await sleep(800);
    expect(textsTo(5)).toHaveLength(1);
  });

  test('a callback with a bad or missing signature is refused 401 and changes nothing; a malformed one is refused 400 naming the field', async () => {
    await store.link(chat(6), 'ACC-2003');
    const { bill } = await store.issueBill(EXTRA_ACCOUNTS[2]!, billingPeriod('2026-11-01'), 999);
    const start = await store.startPayment(bill.id, chat(6));
    if (start.kind !== 'reserved') throw new Error('expected a reservation');
    const body = JSON.stringify({ id: 'evt_2', type: 'payment.succeeded', paymentId: 'sim_forged', reference: start.reference, amount: 999, currency: 'EUR' });
    const forged = await postCallback(body, signPaymentCallback('not-the-secret', body));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: { code: 'KIOSK_SIGNATURE_INVALID', message: expect.stringContaining('does not match') } });
    expect((await postCallback(body)).status).toBe(401);
    const stale = await postCallback(body, signPaymentCallback(PAYMENT_SECRET, body, Math.floor(Date.now() / 1000) - 3600));
    expect(stale.status).toBe(401);
    expect((await store.bill(bill.id))?.state).toBe('pending');

    const malformed = JSON.stringify({ id: 'evt_3', type: 'payment.succeeded', paymentId: 'sim_x', amount: 999, currency: 'EUR' });
    const answer = await postCallback(malformed, signPaymentCallback(PAYMENT_SECRET, malformed));
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(/\(at reference\)$/);
    const wrongAmount = JSON.stringify({ id: 'evt_4', type: 'payment.succeeded', paymentId: 'sim_y', reference: start.reference, amount: 1, currency: 'EUR' });
    expect((await postCallback(wrongAmount, signPaymentCallback(PAYMENT_SECRET, wrongAmount))).status).toBe(400);
    expect((await store.bill(bill.id))?.state).toBe('pending');
    await sleep(300);
    expect(textsTo(6)).toHaveLength(0);
  });

  test('the monthly run issues a bill to every linked customer once, even when it runs twice', async () => {
    await say(70, '/bills'); // a customer who never linked an account
    await next(70, 1);
    const linked: Conversation[] = [];
    for await (const link of store.links()) linked.push(link.conversation);
    expect(linked.map((c) => c.chat).sort()).toEqual(['1', '3', '41', '42', '5', '6']);
    const before = new Map(linked.map((c) => [c.chat, textsTo(Number(c.chat)).length]));
    const isIssued = (t: string) => t.startsWith('Your bill for Dec 1, 2026 – Dec 31, 2026 is ready: €');
    await kiosk.enqueue(billsJobs.issueRun, { issuedOn: '2027-01-01' });
    await waitUntil(() => linked.every((c) => textsTo(Number(c.chat)).some(isIssued)), 'a bill message to every linked chat');
    await kiosk.enqueue(billsJobs.issueRun, { issuedOn: '2027-01-01' });
    await sleep(1000);
    for (const c of linked) expect(textsTo(Number(c.chat)).slice(before.get(c.chat)).filter(isIssued)).toHaveLength(1);
    expect(textsTo(70)).toHaveLength(1);
    expect((await store.currentBill('ACC-1001'))).toMatchObject({ id: 'ACC-1001-2026-12', dueDate: '2027-01-15', state: 'unpaid' });
  });

  test('the reminder nudges unpaid bills falling due soon, once, and not paid ones', async () => {
    const accounts: Account[] = [
      { number: 'ACC-3001', name: 'Unpaid Soon', postcode: '1', currency: 'EUR' },
      { number: 'ACC-3002', name: 'Paid Soon', postcode: '2', currency: 'EUR' },
      { number: 'ACC-3003', name: 'Unpaid Later', postcode: '3', currency: 'EUR' },
    ];
    await store.seedAccounts(accounts);
    for (const [i, account] of accounts.entries()) await store.link(chat(81 + i), account.number);
    await store.issueBill(accounts[0]!, billingPeriod('2031-03-01'), 1000);
    const paid = (await store.issueBill(accounts[1]!, billingPeriod('2031-03-01'), 2000)).bill;
    await store.issueBill(accounts[2]!, billingPeriod('2031-04-01'), 3000);
    const start = await store.startPayment(paid.id, chat(82));
    if (start.kind !== 'reserved') throw new Error('expected a reservation');
    await store.settlePayment(start.reference, 'sim_paid', 'succeeded');
    const noticesBefore = textsTo(82).length;

    await kiosk.enqueue(billsJobs.reminder, { today: '2031-03-13' }); // bills issued 2031-03-01 are due 2031-03-15
    expect(await next(81, 1)).toBe('Reminder: your bill of €10.00 is due on Mar 15, 2031.');
    await kiosk.enqueue(billsJobs.reminder, { today: '2031-03-14' });
    await sleep(1000);
    expect(textsTo(81)).toHaveLength(1);
    expect(textsTo(82).slice(noticesBefore).filter((t) => t.startsWith('Reminder'))).toHaveLength(0);
    expect(textsTo(83)).toHaveLength(0);
  });

  test('the schedules are BullMQ job schedulers: the bill run at 08:00 on the 1st, the reminder daily', async () => {
    await billsJobs.schedule(kiosk, 'Europe/Paris');
    const run = await kiosk.jobsQueue(billsJobs.issueRun).getJobScheduler(BILLS_SCHEDULES.issueRun.id);
    const reminder = await kiosk.jobsQueue(billsJobs.reminder).getJobScheduler(BILLS_SCHEDULES.reminder.id);
    expect(run).toMatchObject({ pattern: '0 8 1 * *', tz: 'Europe/Paris' });
    expect(reminder).toMatchObject({ pattern: '0 9 * * *', tz: 'Europe/Paris' });
    expect(await kiosk.unschedule(billsJobs.issueRun, BILLS_SCHEDULES.issueRun.id)).toBe(true);
    expect(await kiosk.unschedule(billsJobs.reminder, BILLS_SCHEDULES.reminder.id)).toBe(true);
  });
});

describe('bills templates', () => {
  const templates = createTemplates({ root: join(__dirname, '../../templates') });
  const names = ['start', 'menu', 'ask-account', 'account-format', 'unknown-account', 'ask-postcode', 'postcode-format', 'wrong-postcode', 'link-refused', 'linked', 'link-cancelled', 'link-timed-out', 'not-understood', 'not-linked', 'no-bill', 'current', 'pay-link', 'payment-pending', 'already-paid', 'pay-unavailable', 'receipt', 'payment-failed', 'refund', 'issued', 'reminder'];
  const bill = { billId: 'ACC-1001-2026-10', account: 'ACC-1001', period: '2026-10', periodStart: '2026-10-01', periodEnd: '2026-10-31', dueDate: '2026-11-15', amount: 5678, currency: 'EUR', paid: false, pending: false, payData: 'bills:pay:ACC-1001-2026-10' };
  const data = { ...bill, linked: true, name: 'Ada Lovelace', payUrl: 'https://pay.example.com/checkout/sim_1', paymentId: 'sim_1', paidAt: 1 };

  test.each(['en', 'fr', 'zh-CN'])('every bills template renders in %s with the data the bot gives it', (locale) => {
    for (const name of names) {
      const message = templates.render(`bills/${name}`, data, { platform: 'telegram', locale });
      expect(message.text?.trim()).toBeTruthy();
    }
  });

  test('French amounts and dates are French', () => {
    const message = templates.render('bills/current', bill, { platform: 'telegram', locale: 'fr' });
    expect(message.text).toBe('Facture du 1 oct. 2026 au 31 oct. 2026 : 56,78\u00a0€, à payer avant le 15 nov. 2026. Pas encore payée.');
  });
});
