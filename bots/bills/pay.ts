/**
 * Paying a bill from the chat. The bill is reserved in the store before the provider is
 * asked for a payment, so two presses at once (two devices, a double tap, a handler run
 * again after a crash) create one payment: the second is told a payment is in progress and
 * gets the same checkout link.
 */
import type { Logger } from '../../framework/index';
import { billView } from './bill-view';
import type { BillsContext } from './link-flow';
import type { PaymentProvider } from './payment-provider';
import type { BillsStore } from './store';

/** What paying needs. */
export interface PayDeps {
  store: BillsStore;
  payments: PaymentProvider;
  logger?: Logger;
}

/**
 * Pay a bill of the customer's linked account: the one named by `billId`, or the current one.
 * A bill of another account is answered like a missing one.
 */
export async function payBill(deps: PayDeps, ctx: BillsContext, billId?: string): Promise<void> {
  const link = await deps.store.linkOf(ctx.conversation);
  if (!link) return void (await ctx.reply('bills/not-linked', {}));
  const bill = billId ? await deps.store.bill(billId) : await deps.store.currentBill(link.account);
  if (!bill || bill.account !== link.account) return void (await ctx.reply('bills/no-bill', {}));
  const view = billView(bill);

  const start = await deps.store.startPayment(bill.id, ctx.conversation);
  switch (start.kind) {
    case 'paid':
      return void (await ctx.reply('bills/already-paid', view));
    case 'missing':
      return void (await ctx.reply('bills/no-bill', {}));
    case 'pending':
      return void (await ctx.reply('bills/payment-pending', { ...view, payUrl: start.payUrl ?? '' }));
    case 'reserved':
      try {
        const created = await deps.payments.createPayment(bill, { reference: start.reference, expiresAt: new Date(start.expiresAt) });
        await deps.store.attachPayment(start.reference, created);
        return void (await ctx.reply('bills/pay-link', { ...view, payUrl: created.payUrl }));
      } catch (error) {
        deps.logger?.warn({ err: error instanceof Error ? error.name : 'unknown' }, 'bills: the payment provider could not create a payment');
        await deps.store.abandonPayment(start.reference);
        return void (await ctx.reply('bills/pay-unavailable', {}));
      }
  }
}
