/**
 * The bills jobs: the monthly bill run, the daily reminder of bills falling due, and the
 * customer's receipt after a payment callback. The runs go out as broadcasts, so every
 * customer gets one message per run at the platforms' rates, and running a job again (a
 * retry, a second worker) sends nobody a second copy.
 */
import { defineJob, z, type BroadcastOptions, type BroadcastRecipient, type BroadcastReport, type JobDefinition, type JobRepeat, type KioskParts } from '../../framework/index';
import { addDays, billingPeriod, isoDay, simulatedAmount } from '../../bots/bills/billing';
import { billView } from '../../bots/bills/bill-view';
import type { Bill, BillsStore } from '../../bots/bills/store';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a calendar day, YYYY-MM-DD');

/**
 * Tell a customer how their payment ended: a receipt, a failure, or a refund of a second
 * payment. Enqueued by the payment callback with the customer's conversation; its job id is
 * derived from the payment, so a repeated callback queues nothing twice.
 */
export const paymentNotice = defineJob({
  name: 'bills.payment-notice',
  schema: z.object({
    outcome: z.enum(['paid', 'failed', 'refund']),
    billId: z.string().min(1),
    account: z.string().min(1),
    period: z.string(),
    periodStart: day,
    periodEnd: day,
    dueDate: day,
    amount: z.number().int().nonnegative(),
    currency: z.string().length(3),
    paymentId: z.string().min(1),
    paidAt: z.number().int().positive(),
  }),
  attempts: 5,
  async handler(job) {
    const template = job.data.outcome === 'paid' ? 'bills/receipt' : job.data.outcome === 'failed' ? 'bills/payment-failed' : 'bills/refund';
    await job.notify(template, { ...job.data, paid: job.data.outcome === 'paid', pending: false, payData: `bills:pay:${job.data.billId}` });
  },
});

/** What the bills jobs need. */
export interface BillsJobsDeps {
  store: BillsStore;
  /**
   * Kiosk's broadcast; pass `(options) => kiosk.broadcast(options)`: the jobs are given to
   * `createKiosk` before the kiosk exists, and run only once it does.
   */
  broadcast(options: BroadcastOptions): Promise<BroadcastReport>;
  /** Remind bills falling due within this many days. @defaultValue 3 */
  remindDaysBefore?: number;
  /** Today, for the runs that are not given a day. @defaultValue the current UTC day */
  today?: () => string;
}

/** The bills jobs, and how to schedule them. */
export interface BillsJobs {
  /** Issue every linked account's bill for the month before `issuedOn`, and tell each customer. */
  issueRun: JobDefinition;
  /** Remind customers of unpaid bills due within `remindDaysBefore` days of `today`, once per bill. */
  reminder: JobDefinition;
  /** The receipt after a payment callback. */
  paymentNotice: typeof paymentNotice;
  /** Every bills job, for `createKiosk({ jobs })`. */
  all: JobDefinition[];
  /**
   * Create (or update) the schedules: the bill run at 08:00 on the 1st of every month and the
   * reminder every day at 09:00, in `tz`.
   */
  schedule(kiosk: Pick<KioskParts, 'schedule'>, tz?: string): Promise<void>;
}

/** The schedules' ids and times. */
export const BILLS_SCHEDULES = {
  issueRun: { id: 'bills-monthly-run', repeat: { pattern: '0 8 1 * *' } },
  reminder: { id: 'bills-daily-reminder', repeat: { pattern: '0 9 * * *' } },
} as const;

/**
 * Create the bills jobs around a store and Kiosk's broadcast.
 *
 * @example
 * ```ts
 * let kiosk: Kiosk;
 * const billsJobs = createBillsJobs({ store, broadcast: (o) => kiosk.broadcast(o) });
 * kiosk = createKiosk({ config, bots, jobs: [...taxiJobs, ...billsJobs.all], render });
 * await billsJobs.schedule(kiosk, 'Europe/Paris');
 * ```
 */
export function createBillsJobs(deps: BillsJobsDeps): BillsJobs {
  const { store } = deps;
  const today = deps.today ?? (() => isoDay(new Date()));
  const remindDays = deps.remindDaysBefore ?? 3;

  const issueRun = defineJob({
    name: 'bills.issue-run',
    schema: z.object({ issuedOn: day.optional() }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 5000 },
    onFailure: false,
    async handler(job) {
      const issuedOn = job.data.issuedOn ?? today();
      const period = billingPeriod(issuedOn);
      // Issuing is idempotent per account and period, and the broadcast id is the period's:
      // a retried run issues and sends nothing twice.
      async function* recipients(): AsyncGenerator<BroadcastRecipient> {
        for await (const link of store.links()) {
          const account = await store.account(link.account);
          if (!account) continue;
          const { bill } = await store.issueBill(account, period, simulatedAmount(account.number, period.period));
          yield { conversation: link.conversation, data: billView(bill) };
        }
      }
      const report = await deps.broadcast({ id: `bills-issued-${period.period}`, content: 'bills/issued', recipients: recipients() });
      return { period: period.period, total: report.total, queued: report.queued };
    },
  });

  const reminder = defineJob({
    name: 'bills.reminder',
    schema: z.object({ today: day.optional() }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 5000 },
    onFailure: false,
    async handler(job) {
      const from = job.data.today ?? today();
      const due: Bill[] = [];
      // Each bill is reminded once: claimed for this day before the broadcast, so a run of a
      // later day skips it, while a retry of this day's run sends it again under the same
      // broadcast id, which sends nobody a copy.
      for (const bill of await store.unpaidDueBetween(from, addDays(from, remindDays))) {
        if (await store.claimReminder(bill.id, from)) due.push(bill);
      }
      const recipients: BroadcastRecipient[] = [];
      for (const bill of due) {
        for (const link of await store.linksOfAccount(bill.account)) recipients.push({ conversation: link.conversation, data: billView(bill) });
      }
      const report = await deps.broadcast({ id: `bills-reminder-${from}`, content: 'bills/reminder', recipients });
      return { bills: due.length, queued: report.queued };
    },
  });

  return {
    issueRun,
    reminder,
    paymentNotice,
    all: [issueRun, reminder, paymentNotice],
    async schedule(kiosk, tz) {
      const at = (repeat: JobRepeat): JobRepeat => (tz && 'pattern' in repeat ? { ...repeat, tz } : repeat);
      await kiosk.schedule(issueRun, BILLS_SCHEDULES.issueRun.id, at(BILLS_SCHEDULES.issueRun.repeat), {});
      await kiosk.schedule(reminder, BILLS_SCHEDULES.reminder.id, at(BILLS_SCHEDULES.reminder.repeat), {});
    },
  };
}
