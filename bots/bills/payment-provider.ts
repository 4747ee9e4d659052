/**
 * The payment provider, behind an interface a business replaces with its own (Stripe,
 * Adyen, WeChat Pay…). A provider creates a payment and gives a link to its checkout page;
 * when the customer has paid, it calls the business back: an HTTP POST to the callback URL,
 * signed with a shared secret, retried until it is answered 2xx.
 */
import { randomUUID } from 'node:crypto';
import { z } from '../../framework/index';
import { SIGNATURE_HEADER, signPaymentCallback } from './callback-signature';
import type { Bill } from './store';

/** A payment the provider created. */
export interface CreatedPayment {
  /** The provider's id of the payment, repeated in its callback. */
  paymentId: string;
  /** The provider's checkout page, opened by the customer. */
  payUrl: string;
}

/** What a payment is created with besides the bill. */
export interface PaymentRequest {
  /** Our reference of the payment: the provider echoes it back in the callback (like Stripe's `client_reference_id`). */
  reference: string;
  /** When the checkout must stop accepting payment: the store's reservation lapses then. */
  expiresAt: Date;
}

/** What Kiosk Bills needs of a payment provider. */
export interface PaymentProvider {
  /** Create a payment for a bill; throws when the provider cannot (the reservation is then given back). */
  createPayment(bill: Bill, request: PaymentRequest): Promise<CreatedPayment>;
}

/** The body of the provider's callback. */
export const paymentCallbackSchema = z.object({
  /** The event's own id. */
  id: z.string().min(1),
  type: z.enum(['payment.succeeded', 'payment.failed']),
  paymentId: z.string().min(1).max(200),
  reference: z.string().regex(/^pay-[0-9a-f-]{36}$/, 'must be the reference Kiosk gave the payment (pay-<uuid>)'),
  /** Amount paid, minor units. */
  amount: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
});

/** A parsed callback. */
export type PaymentCallback = z.infer<typeof paymentCallbackSchema>;

/** Options of the simulated provider. */
export interface SimulatedPaymentProviderOptions {
  /** The secret callbacks are signed with; the callback route checks it. */
  secret: string;
  /** Where to POST callbacks; a function, because the server's address is known only once it listens. */
  callbackUrl: string | (() => string);
  /** How long the "customer" takes to pay, ms. @defaultValue 1500 */
  delayMs?: number;
  /** What the payment does. @defaultValue `'succeeded'` */
  outcome?: 'succeeded' | 'failed' | 'never';
  /** Tries of a callback that is not answered 2xx. @defaultValue 5 */
  attempts?: number;
}

/**
 * A stand-in provider for the demo and tests: it creates a payment at once, and a short
 * while later calls back as if the customer had paid, signed, retrying on errors as real
 * providers do.
 *
 * @example
 * ```ts
 * const payments = new SimulatedPaymentProvider({ secret, callbackUrl: () => `${base}/payments/bills/callback` });
 * ```
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  /** Every payment created, in order (tests count them). */
  readonly created: Array<{ paymentId: string; reference: string; billId: string }> = [];
  readonly #options: SimulatedPaymentProviderOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(options: SimulatedPaymentProviderOptions) {
    this.#options = options;
  }

  async createPayment(bill: Bill, request: PaymentRequest): Promise<CreatedPayment> {
    if (this.#closed) throw new Error('The simulated payment provider is closed.');
    const paymentId = `sim_${randomUUID().replace(/-/g, '')}`;
    this.created.push({ paymentId, reference: request.reference, billId: bill.id });
    const outcome = this.#options.outcome ?? 'succeeded';
    if (outcome !== 'never') {
      const body = JSON.stringify({
        id: `evt_${randomUUID().replace(/-/g, '')}`,
        type: outcome === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
        paymentId,
        reference: request.reference,
        amount: bill.amount,
        currency: bill.currency,
      } satisfies PaymentCallback);
      this.#later(this.#options.delayMs ?? 1500, () => this.#callBack(body, 1));
    }
    return { paymentId, payUrl: `https://pay.example.com/checkout/${paymentId}` };
  }

  /** Stop: pending callbacks are not sent. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #later(ms: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run().catch(() => undefined);
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  async #callBack(body: string, attempt: number): Promise<void> {
    if (this.#closed) return;
    const url = typeof this.#options.callbackUrl === 'function' ? this.#options.callbackUrl() : this.#options.callbackUrl;
    let ok = false;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPaymentCallback(this.#options.secret, body) }, body });
      ok = response.ok;
    } catch {
      ok = false;
    }
    if (!ok && attempt < (this.#options.attempts ?? 5)) this.#later(500 * 2 ** (attempt - 1), () => this.#callBack(body, attempt + 1));
  }
}
