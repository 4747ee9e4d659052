/**
 * Kiosk's typed errors. Each carries a stable `code` to branch on, a message that says what
 * to do, and the underlying `cause`. They are mapped to HTTP statuses in one place
 * (`framework/http/status.ts`) and to job outcomes in one place (the delivery layer).
 */

/** Stable error codes, one per error class. */
export type KioskErrorCode =
  | 'KIOSK_SIGNATURE_INVALID'
  | 'KIOSK_PAYLOAD_INVALID'
  | 'KIOSK_BODY_TOO_LARGE'
  | 'KIOSK_NOT_FOUND'
  | 'KIOSK_CONFIG_INVALID'
  | 'KIOSK_STORE_UNAVAILABLE'
  | 'KIOSK_DELIVERY_FAILED'
  | 'KIOSK_TEMPLATE_FAILED'
  | 'KIOSK_ROUTER_MISUSE'
  | 'KIOSK_HANDLER_FAILED'
  | 'KIOSK_CLI_USAGE';

/** Base class of every error Kiosk throws on purpose. */
export class KioskError extends Error {
  /** A stable string to branch on, e.g. `'KIOSK_SIGNATURE_INVALID'`. */
  readonly code: KioskErrorCode;

  constructor(code: KioskErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A webhook whose signature or secret token does not match: answered 401, never handled. */
export class SignatureError extends KioskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIOSK_SIGNATURE_INVALID', message, options);
  }
}

/**
 * Input that does not have the expected shape: a malformed webhook body (answered 400) or
 * job data that does not fit its schema (refused at enqueue). `path` names the field.
 */
export class PayloadError extends KioskError {
  /** Where in the payload the problem is, e.g. `['message', 'chat', 'id']`; empty for the whole body. */
  readonly path: ReadonlyArray<string | number>;

  constructor(message: string, path: ReadonlyArray<string | number> = [], options?: { cause?: unknown }) {
    super('KIOSK_PAYLOAD_INVALID', path.length ? `${message} (at ${path.join('.')})` : message, options);
    this.path = path;
  }
}

/** A request body larger than the webhook limit: answered 413. */
export class BodyTooLargeError extends KioskError {
  constructor(limitBytes: number) {
    super('KIOSK_BODY_TOO_LARGE', `Request body is larger than ${limitBytes} bytes; send smaller updates.`);
  }
}

/** An unknown bot or platform: answered 404. */
export class NotFoundError extends KioskError {
  constructor(message: string) {
    super('KIOSK_NOT_FOUND', message);
  }
}

/** Configuration that is missing or malformed; `path` names the setting. Thrown at start. */
export class ConfigError extends KioskError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('KIOSK_CONFIG_INVALID', `Configuration ${path || '(root)'}: ${message}`, options);
    this.path = path;
  }
}

/** Redis (or another store) cannot be reached: webhooks answer 503 so the platform retries. */
export class StoreUnavailableError extends KioskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIOSK_STORE_UNAVAILABLE', message, options);
  }
}

/** How a failed delivery should be treated. */
export type DeliveryOutcome =
  | { kind: 'retry-after'; seconds: number }
  | { kind: 'retry' }
  | { kind: 'give-up'; reason: string };

/**
 * A message could not be delivered. `outcome` says whether to retry after a wait, retry
 * with backoff, or give up (the customer blocked the bot, the chat does not exist…).
 */
export class DeliveryError extends KioskError {
  readonly outcome: DeliveryOutcome;
  /** The platform's HTTP status or error code, when it gave one. */
  readonly status?: number;

  constructor(message: string, outcome: DeliveryOutcome, options?: { cause?: unknown; status?: number }) {
    super('KIOSK_DELIVERY_FAILED', message, options);
    this.outcome = outcome;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/** A template that is missing or could not render; names the template and, if known, the variable. */
export class TemplateError extends KioskError {
  readonly template: string;
  readonly variable?: string;

  constructor(template: string, message: string, options?: { cause?: unknown; variable?: string }) {
    super('KIOSK_TEMPLATE_FAILED', `Template "${template}": ${message}`, options);
    this.template = template;
    if (options?.variable !== undefined) this.variable = options.variable;
  }
}

/** The router was used in a way that cannot work, e.g. `command('/start')`. */
export class RouterError extends KioskError {
  constructor(message: string) {
    super('KIOSK_ROUTER_MISUSE', message);
  }
}

/** An error thrown by bot middleware, wrapped with the update it was handling. */
export class BotError extends KioskError {
  readonly update: { id: string; platform: string; bot: string };

  constructor(error: unknown, update: { id: string; platform: string; bot: string }) {
    const reason = error instanceof Error ? error.message : String(error);
    super('KIOSK_HANDLER_FAILED', `Bot "${update.bot}" failed on ${update.platform} update ${update.id}: ${reason}`, {
      cause: error,
    });
    this.update = update;
  }
}
