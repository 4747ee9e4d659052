/**
 * Customers' data rights and retention: export and erase everything Kiosk holds about a
 * customer (across every account they linked), the business's hook for its own records, and
 * the retention limits applied where data is written. See README.md in this folder.
 */
export { exportCustomerData } from './export';
export type { CustomerExport, ExportedJob, ExportedValue } from './export';
export { eraseCustomerData } from './erase';
export type { CustomerErasure, ErasureCounts } from './erase';
export type { CustomerLookup, PrivacyParts } from './findings';
export type { CustomerDataHook, PrivacySubject } from './hook';
export { privacyHooksOf } from './hook';
export { RetainedFlowStore, withJobRetention, deliveryRetention, capKeepJobs, daysToSeconds } from './retention';
