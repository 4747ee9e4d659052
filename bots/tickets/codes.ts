/**
 * Random, unguessable identifiers for holds and tickets, in Crockford's base32 (digits and
 * capitals without I, L, O and U), so a code read aloud at a gate or typed from a screenshot
 * is not mistaken for another.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A random string of `length` base32 characters, 5 bits of entropy each, from the operating
 * system's CSPRNG. A 10-character ticket code carries 50 bits: guessing one valid code among
 * a million sold takes about 10⁹ tries on average.
 *
 * @example
 * ```ts
 * randomCode(10); // 'K7Q2M9X4TB'
 * ```
 */
export function randomCode(length: number): string {
  const bytes = randomBytes(length);
  let code = '';
  // 256 is a multiple of 32, so taking the low 5 bits of each byte is unbiased.
  for (const byte of bytes) code += ALPHABET[byte & 31];
  return code;
}

/** A 12-character base32 code derived from a key (SHA-256), for ids that must be the same when a step runs again. */
export function digestCode(key: string, length = 12): string {
  const bytes = createHash('sha256').update(key).digest();
  let code = '';
  for (const byte of bytes.subarray(0, length)) code += ALPHABET[byte & 31];
  return code;
}

/** Whether a text is a well-formed ticket code of `length` characters (case-insensitive). */
export function isTicketCode(text: string, length = TICKET_CODE_LENGTH): boolean {
  return new RegExp(`^[${ALPHABET}]{${length}}$`).test(text.toUpperCase());
}

/** The length of a ticket code. */
export const TICKET_CODE_LENGTH = 10;
