/** For adapter tests that check how a send fails: the DeliveryError it rejects with. */
import { DeliveryError } from '../../framework/core/errors';

/**
 * The DeliveryError `promise` rejects with. Throws when it resolves, and rethrows any other
 * error, so a test that expects a DeliveryError fails on anything else.
 *
 * @example
 * ```ts
 * fake.failNext(1, { status: 500 });
 * expect((await deliveryError(adapter.send(conversation, { text: 'hi' }))).outcome).toEqual({ kind: 'retry' });
 * ```
 */
export async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw error;
  }
  throw new Error('expected a DeliveryError');
}
