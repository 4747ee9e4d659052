/** Link codes as customers type them, and account references as identity keys store them. */
import { accountRef, parseAccountRef } from '../../framework/identity/account';
import { LINK_CODE_LENGTH, newLinkCode, normaliseLinkCode } from '../../framework/identity/link-code';

describe('link codes', () => {
  test('a new code has eight characters none of which can be confused (no I, O, 0 or 1)', () => {
    for (let i = 0; i < 200; i++) expect(newLinkCode()).toMatch(new RegExp(`^[A-HJ-NP-Z2-9]{${LINK_CODE_LENGTH}}$`));
  });

  test('a code typed in lower case, with spaces or a dash, is read as the same code', () => {
    expect(normaliseLinkCode(' k7qm-4xzp ')).toBe('K7QM4XZP');
    expect(normaliseLinkCode('K7QM 4XZP')).toBe('K7QM4XZP');
  });

  test('text that cannot be a code is refused before Redis is asked', () => {
    expect(normaliseLinkCode('K7QM4XZ')).toBeUndefined();
    expect(normaliseLinkCode('K7QM4XZ0')).toBeUndefined();
    expect(normaliseLinkCode('')).toBeUndefined();
  });
});

describe('account references', () => {
  test('ids with colons and percent signs survive the round trip and cannot pose as another platform', () => {
    const account = { platform: 'webchat', user: 'a:b%3Ac' };
    expect(accountRef(account)).toBe('webchat:a%3Ab%253Ac');
    expect(parseAccountRef(accountRef(account))).toEqual(account);
    expect(parseAccountRef('no-separator')).toBeUndefined();
  });
});
