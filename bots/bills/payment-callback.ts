/**
 * The payment provider's callback: `POST /payments/bills/callback`, mounted in Kiosk's web
 * app with `createKiosk({ routers: (parts) => [billsRouter({ store, secret, kiosk: parts })] })`.
 *
 * The signature is checked over the raw bytes (401 when it does not match), the body parsed
 * with zod (400 naming the field), the payment settled atomically in the store, and the
 * customer's receipt queued as a job for the conversation they paid from. Answered 200 only
 * once all that is in Redis; any other answer makes the provider call again, which is safe:
 * a settled payment is not settled twice, and the receipt's job id is the payment's.
 */
import { errorAnswer, KioskError, NotFoundError, PayloadError, readRawBody, Router, StoreUnavailableError, type KioskParts, type Logger } from '../../framework/index';
import { paymentNotice } from '../../workers/bills/jobs';
import { billView } from './bill-view';
import { SIGNATURE_HEADER, verifyPaymentSignature } from './callback-signature';
import { paymentCallbackSchema, type PaymentCallback } from './payment-provider';
import type { BillsStore, SettleOutcome } from './store';

/** What the callback route needs. */
export interface BillsRouterDeps {
  store: BillsStore;
  /** The secret shared with the payment provider. */
  secret: string;
  /** The running Kiosk (`parts` in `createKiosk({ routers })`): to queue the receipt, and to log. */
  kiosk: Pick<KioskParts, 'enqueue'> & { logger?: Logger };
  /** Where the route is mounted. @defaultValue `'/payments/bills/callback'` */
  path?: string;
}

/** Largest callback body accepted, bytes. */
const BODY_LIMIT = 64 * 1024;

function parseCallback(raw: Buffer): PaymentCallback {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new PayloadError('The callback body is not JSON.', [], { cause: error });
  }
  const parsed = paymentCallbackSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PayloadError(`The callback body is invalid: ${issue.message}`, issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)));
  }
  return parsed.data;
}

/** Outcomes the customer is told about; the others were told already or concern nobody. */
const NOTIFIED: Partial<Record<SettleOutcome, 'paid' | 'failed' | 'refund'>> = { paid: 'paid', 'already-paid': 'paid', failed: 'failed', refund: 'refund', settled: undefined };

/**
 * The router of the payment callback.
 *
 * @example
 * ```ts
 * createKiosk({ config, bots, jobs, render, routers: (parts) => [billsRouter({ store, secret: process.env.PAYMENT_SECRET!, kiosk: parts })] });
 * ```
 */
export function billsRouter(deps: BillsRouterDeps): ReturnType<typeof Router> {
  const router = Router();
  router.post(deps.path ?? '/payments/bills/callback', async (req, res) => {
    try {
      const raw = await readRawBody(req, BODY_LIMIT);
      verifyPaymentSignature(deps.secret, req.header(SIGNATURE_HEADER), raw);
      const callback = parseCallback(raw);
      const status = callback.type === 'payment.succeeded' ? 'succeeded' : 'failed';

      const payment = await deps.store.payment(callback.reference);
      if (!payment) throw new NotFoundError('No payment has this reference; it was not created by this Kiosk.');
      const bill = await deps.store.bill(payment.bill);
      if (!bill) throw new NotFoundError('The bill of this payment no longer exists.');
      if (status === 'succeeded' && (callback.amount !== bill.amount || callback.currency !== bill.currency)) {
        throw new PayloadError('The amount paid is not the amount of the bill.', ['amount']);
      }

      const { outcome, receiptQueued } = await deps.store.settlePayment(callback.reference, callback.paymentId, status);
      if (outcome === 'mismatch') throw new PayloadError('This reference belongs to another payment id.', ['paymentId']);
      if (outcome === 'missing') throw new NotFoundError('No payment has this reference.');

      const notice = NOTIFIED[outcome];
      // A repeated callback queues the notice again unless it is known to be queued: at least
      // once here, and exactly once for the customer because the job id is the payment's.
      if (notice && !receiptQueued) {
        const paid = (await deps.store.bill(bill.id)) ?? bill;
        const view = billView(paid);
        await deps.kiosk.enqueue(
          paymentNotice,
          { ...view, outcome: notice, billId: bill.id, paymentId: callback.paymentId, paidAt: paid.paidAt ?? Date.now() },
          { conversation: payment.conversation, jobId: `bills-notice-${callback.reference}` },
        );
        await deps.store.markReceiptQueued(callback.reference);
      }
      res.status(200).json({ ok: true, outcome });
    } catch (error) {
      const answer = errorAnswer(error instanceof KioskError ? error : new StoreUnavailableError('The callback could not be recorded; call again.', { cause: error }));
      if (answer.status >= 500) deps.kiosk.logger?.warn({ err: error instanceof Error ? error.name : 'unknown' }, 'payment callback failed');
      res.status(answer.status).json(answer.body);
    }
  });
  return router;
}
