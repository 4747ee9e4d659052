/**
 * What the bills templates are rendered with. Templates are strict (a missing variable is an
 * error), so every template gets the same complete set of fields from one place.
 */
import type { Bill } from './store';

/** A bill as templates see it: amount in minor units (`{{money amount currency minor=true}}`). */
export interface BillView {
  [field: string]: unknown;
  billId: string;
  account: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  dueDate: string;
  amount: number;
  currency: string;
  paid: boolean;
  pending: boolean;
  /** The button data that pays this bill. */
  payData: string;
}

/** The template data of a bill. */
export function billView(bill: Bill): BillView {
  return {
    billId: bill.id,
    account: bill.account,
    period: bill.period,
    periodStart: bill.periodStart,
    periodEnd: bill.periodEnd,
    dueDate: bill.dueDate,
    amount: bill.amount,
    currency: bill.currency,
    paid: bill.state === 'paid',
    pending: bill.state === 'pending',
    payData: `bills:pay:${bill.id}`,
  };
}
