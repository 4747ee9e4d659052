/**
 * The utility's billing rules, kept apart from storage: which period a bill issued on a day
 * covers, when it is due, and (in this simulation) how much it is. A business reads the
 * amount from its meter readings and tariff; this one derives it from the account and period.
 */

/** What a bill issued on a given day covers: the previous calendar month, due 14 days later. */
export interface BillingPeriod {
  /** The month billed, `YYYY-MM`. */
  period: string;
  /** First day of the period, `YYYY-MM-DD`. */
  periodStart: string;
  /** Last day of the period, `YYYY-MM-DD`. */
  periodEnd: string;
  /** The day the bill is issued, `YYYY-MM-DD`. */
  issuedOn: string;
  /** The day payment is due, `YYYY-MM-DD`. */
  dueDate: string;
}

/** Days between issuing a bill and its due date. */
export const PAYMENT_TERM_DAYS = 14;

const DAY_MS = 86_400_000;

/** A calendar day (`YYYY-MM-DD`, UTC) of a moment. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Milliseconds since the epoch of a calendar day's UTC midnight. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** The calendar day `days` after `day`. */
export function addDays(day: string, days: number): string {
  return isoDay(new Date(dayStartMs(day) + days * DAY_MS));
}

/**
 * The period billed on `issuedOn` (`YYYY-MM-DD`): the month before it.
 *
 * @example
 * ```ts
 * billingPeriod('2026-11-01'); // { period: '2026-10', periodStart: '2026-10-01', periodEnd: '2026-10-31', issuedOn: '2026-11-01', dueDate: '2026-11-15' }
 * ```
 */
export function billingPeriod(issuedOn: string): BillingPeriod {
  const issued = new Date(dayStartMs(issuedOn));
  const start = new Date(Date.UTC(issued.getUTCFullYear(), issued.getUTCMonth() - 1, 1));
  const end = new Date(Date.UTC(issued.getUTCFullYear(), issued.getUTCMonth(), 0));
  return {
    period: isoDay(start).slice(0, 7),
    periodStart: isoDay(start),
    periodEnd: isoDay(end),
    issuedOn,
    dueDate: addDays(issuedOn, PAYMENT_TERM_DAYS),
  };
}

/** A bill's amount in minor units (cents), deterministic per account and period: 40.00 to 99.99. */
export function simulatedAmount(account: string, period: string): number {
  let hash = 0;
  for (const char of `${account}/${period}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 4000 + (hash % 6000);
}
