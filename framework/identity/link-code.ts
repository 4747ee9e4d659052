/**
 * One-time link codes: eight characters a customer reads on one platform and types on
 * another. The alphabet leaves out I, O, 0 and 1, which people confuse; 32⁸ ≈ 10¹² codes,
 * a short lifetime and a cap on wrong attempts per account make guessing hopeless.
 */
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Characters in a code. */
export const LINK_CODE_LENGTH = 8;

/** A fresh random code, e.g. `'K7QM4XZP'`. */
export function newLinkCode(): string {
  let code = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/**
 * A code as typed (`'k7qm-4xzp '`, `'K7QM 4XZP'`) in its stored form, or `undefined` when it
 * cannot be a code at all.
 */
export function normaliseLinkCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  return code.length === LINK_CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}
