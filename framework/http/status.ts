/**
 * The one place where errors become HTTP answers. Every route uses it, so an adapter's
 * error means the same status whatever platform it came from.
 */
import { KioskError } from '../core/errors';

/** An HTTP status and a JSON body that says what went wrong and what to do. */
export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string } };
}

const STATUS_BY_CODE: Record<string, number> = {
  KIOSK_SIGNATURE_INVALID: 401,
  KIOSK_PAYLOAD_INVALID: 400,
  KIOSK_BODY_TOO_LARGE: 413,
  KIOSK_NOT_FOUND: 404,
  KIOSK_STORE_UNAVAILABLE: 503,
};

/** Map any error to an HTTP answer. Unknown errors are 500 with no detail, so nothing leaks. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof KioskError && STATUS_BY_CODE[error.code] !== undefined) {
    return { status: STATUS_BY_CODE[error.code]!, body: { error: { code: error.code, message: error.message } } };
  }
  return { status: 500, body: { error: { code: 'KIOSK_INTERNAL', message: 'Internal error; see the server log.' } } };
}
