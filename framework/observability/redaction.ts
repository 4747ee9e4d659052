/**
 * What the logger hides in every line. Kiosk's own lines carry ids only; this is the second
 * line of defence, for an object with customer data logged by mistake (a business's
 * `logger.info({ update })`).
 *
 * Why not pino's `redact` paths: they are fixed depths (`*.name`, `*.*.name`), and when two
 * paths overlap (`*.from` and `*.*.name` both reach `update.from.name`) pino 10 leaves the
 * caller's own object censored after logging. Here each line's object is copied with the
 * hidden values replaced, at any depth, and the caller's object is never touched.
 */

const CENSOR = '[redacted]';

/** Keys that hold secrets: hidden always, whatever `logPersonalData` says. */
const SECRET_KEYS = new Set(
  ['token', 'secret', 'secretToken', 'password', 'authorization', 'appSecret', 'accessToken', 'channelSecret', 'channelAccessToken', 'encodingAESKey', 'apiKey', 'cookie'].map(
    (key) => key.toLowerCase(),
  ),
);

/**
 * Keys that hold personal data in Kiosk's types (`Update`, `Conversation`, `DeliveryJob`,
 * `OutboundMessage`) and in the platforms' payloads: names, usernames, phone numbers, texts,
 * locations, whole senders and raw payloads.
 */
const PERSONAL_KEYS = new Set(
  [
    'text',
    'caption',
    'body',
    'name',
    'firstName',
    'first_name',
    'lastName',
    'last_name',
    'displayName',
    'username',
    'phone',
    'phoneNumber',
    'phone_number',
    'wa_id',
    'location',
    'latitude',
    'longitude',
    'address',
    'from',
    'raw',
    'contact',
    'contacts',
    'profile',
    'conversation',
    'chat',
    'user',
  ].map((key) => key.toLowerCase()),
);

/** Keys that mean customer content inside these objects only (an error's `message` is not a customer's). */
const CONTENT_PARENTS = new Set(['update', 'job', 'delivery', 'ctx', 'payload', 'envelope', 'data']);
const CONTENT_KEYS = new Set(['message', 'data', 'button', 'event']);

/** Deeper than this, a value is replaced whole: log lines are not for object dumps. */
const MAX_DEPTH = 8;

function hidden(key: string, parent: string | undefined, logPersonalData: boolean): boolean {
  const lower = key.toLowerCase();
  if (SECRET_KEYS.has(lower)) return true;
  if (logPersonalData) return false;
  return PERSONAL_KEYS.has(lower) || (parent !== undefined && CONTENT_PARENTS.has(parent.toLowerCase()) && CONTENT_KEYS.has(lower));
}

function copy(value: unknown, parent: string | undefined, logPersonalData: boolean, depth: number, seen: WeakSet<object>): unknown {
  // Errors are left to pino's serializer (name, message, stack); Kiosk logs only their names.
  if (typeof value !== 'object' || value === null || value instanceof Error || value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return CENSOR;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => copy(item, parent, logPersonalData, depth + 1, seen));
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = hidden(key, parent, logPersonalData) ? CENSOR : copy(item, key, logPersonalData, depth + 1, seen);
    }
    return result;
  } finally {
    seen.delete(value);
  }
}

/**
 * A copy of a log line's object with secrets (always) and personal data (unless
 * `logPersonalData`) replaced by `[redacted]`, at any depth. The object given is not changed.
 *
 * @example
 * ```ts
 * redactLogObject({ update: { id: '9', from: { name: 'Ann' } } }, false);
 * // → { update: { id: '9', from: '[redacted]' } }
 * ```
 */
export function redactLogObject(object: Record<string, unknown>, logPersonalData: boolean): Record<string, unknown> {
  return copy(object, undefined, logPersonalData, 0, new WeakSet()) as Record<string, unknown>;
}
