/**
 * The bills store against a real Redis: a bill moves unpaid → pending → paid atomically, so
 * concurrent payments and concurrent callbacks have exactly one winner.
 */
import { BillsStore, SAMPLE_ACCOUNTS, billingPeriod, type Account } from '../../bots/bills';
import type { Conversation } from '../../framework/index';
import { cleanPrefix, connect, uniquePrefix } from '../helpers/redis';

describe('bills store', () => {
  const prefix = uniquePrefix();
  const redis = connect();
  const store = new BillsStore(redis, { prefix: `${prefix}:bills`, pendingMs: 60_000 });
  const ada = SAMPLE_ACCOUNTS[0]!;
  const chat = (id: string): Conversation => ({ bot: 'bills', platform: 'telegram', chat: id, user: id, locale: 'en' });
  let month = 0;
  /** A fresh bill for each test: a period of its own. */
  const freshBill = async (account: Account = ada) => {
    month += 1;
    return (await store.issueBill(account, billingPeriod(`2030-${String(month).padStart(2, '0')}-01`), 4321)).bill;
  };

  beforeAll(() => store.seedAccounts(SAMPLE_ACCOUNTS));
  afterAll(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  test('issuing a bill twice for one period issues it once, and it becomes the current bill', async () => {
    const period = billingPeriod('2031-05-01');
    const first = await store.issueBill(ada, period, 1000);
    const again = await store.issueBill(ada, period, 9999);
    expect([first.created, again.created]).toEqual([true, false]);
    expect(again.bill).toMatchObject({ id: 'ACC-1001-2031-04', amount: 1000, state: 'unpaid', dueDate: '2031-05-15', periodStart: '2031-04-01', periodEnd: '2031-04-30' });
    expect((await store.currentBill('ACC-1001'))?.id).toBe('ACC-1001-2031-04');
  });

  test('the postcode check ignores case and spaces, and refuses another postcode', async () => {
    expect(await store.checkPostcode('ACC-1001', 'sw1a1aa')).toBe(true);
    expect(await store.checkPostcode('ACC-1001', 'SW1A 1AB')).toBe(false);
    expect(await store.checkPostcode('ACC-9999', 'SW1A 1AA')).toBe(false);
  });

  test('twenty concurrent payment starts for one bill reserve it once; the others see the payment in progress', async () => {
    const bill = await freshBill();
    const starts = await Promise.all(Array.from({ length: 20 }, (_, i) => store.startPayment(bill.id, chat(String(i)))));
    const reserved = starts.filter((s) => s.kind === 'reserved');
    expect(reserved).toHaveLength(1);
    const reference = (reserved[0] as { reference: string }).reference;
    expect(starts.filter((s) => s.kind === 'pending').map((s) => (s as { reference: string }).reference)).toEqual(Array(19).fill(reference));
    expect((await store.bill(bill.id))?.state).toBe('pending');
  });

  test('two concurrent callbacks for one payment settle it once: one paid, one already-paid', async () => {
    const bill = await freshBill();
    const start = await store.startPayment(bill.id, chat('a'));
    if (start.kind !== 'reserved') throw new Error('expected a reservation');
    await store.attachPayment(start.reference, { paymentId: 'sim_1', payUrl: 'https://pay.example.com/1' });
    const outcomes = await Promise.all([store.settlePayment(start.reference, 'sim_1', 'succeeded'), store.settlePayment(start.reference, 'sim_1', 'succeeded')]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already-paid', 'paid']);
    expect(await store.bill(bill.id)).toMatchObject({ state: 'paid', payment: start.reference });
    expect(await store.startPayment(bill.id, chat('a'))).toEqual({ kind: 'paid' });
    expect(await store.unpaidDueBetween('2000-01-01', '2100-01-01')).not.toContainEqual(expect.objectContaining({ id: bill.id }));
  });

  test('a callback with another payment id for the reference is refused and changes nothing', async () => {
    const bill = await freshBill();
    const start = await store.startPayment(bill.id, chat('b'));
    if (start.kind !== 'reserved') throw new Error('expected a reservation');
    await store.attachPayment(start.reference, { paymentId: 'sim_right', payUrl: 'https://pay.example.com/r' });
    expect((await store.settlePayment(start.reference, 'sim_wrong', 'succeeded')).outcome).toBe('mismatch');
    expect((await store.bill(bill.id))?.state).toBe('pending');
  });

  test('a failed payment makes the bill payable again', async () => {
    const bill = await freshBill();
    const start = await store.startPayment(bill.id, chat('c'));
    if (start.kind !== 'reserved') throw new Error('expected a reservation');
    expect((await store.settlePayment(start.reference, 'sim_f', 'failed')).outcome).toBe('failed');
    expect((await store.bill(bill.id))?.state).toBe('unpaid');
    expect((await store.startPayment(bill.id, chat('c'))).kind).toBe('reserved');
  });

  test('a provider that could not create the payment gives the bill back', async () => {
    const bill = await freshBill();
    const start = await store.startPayment(bill.id, chat('d'));
    if (start.kind !== 'reserved') throw new Error('expected a reservation');
    await store.abandonPayment(start.reference);
    expect((await store.bill(bill.id))?.state).toBe('unpaid');
  });

  test('after a reservation lapses a new payment may start, and if both are paid the second is a refund, not a second payment', async () => {
    const bill = await freshBill();
    const now = Date.now();
    const first = await store.startPayment(bill.id, chat('e'), now);
    const during = await store.startPayment(bill.id, chat('e'), now + 59_000);
    const after = await store.startPayment(bill.id, chat('e'), now + 61_000);
    expect([first.kind, during.kind, after.kind]).toEqual(['reserved', 'pending', 'reserved']);
    const [a, b] = [first, after] as Array<{ reference: string }>;
    expect((await store.settlePayment(b!.reference, 'sim_b', 'succeeded')).outcome).toBe('paid');
    expect((await store.settlePayment(a!.reference, 'sim_a', 'succeeded')).outcome).toBe('refund');
    expect(await store.bill(bill.id)).toMatchObject({ state: 'paid', payment: b!.reference });
  });

  test('links are listed by HSCAN and by account; relinking moves a conversation to the new account', async () => {
    await store.link(chat('L1'), 'ACC-1002');
    await store.link(chat('L2'), 'ACC-1002');
    await store.link(chat('L2'), 'ACC-1003');
    expect((await store.linksOfAccount('ACC-1002')).map((l) => l.conversation.chat)).toEqual(['L1']);
    expect((await store.linkOf(chat('L2')))?.account).toBe('ACC-1003');
    const all: string[] = [];
    for await (const link of store.links(1)) all.push(link.conversation.chat);
    expect(all.sort()).toEqual(['L1', 'L2']);
  });
});
