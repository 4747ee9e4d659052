import { SignatureError } from '../../../framework/core/errors';
import { issueToken, newVisitorId, readToken } from '../../../framework/adapters/webchat/token';

const secret = 'a-secret-of-at-least-16';
const day = 24 * 3600;

describe('web-chat visitor tokens', () => {
  it('a token reads back as the visitor it was issued to', () => {
    const issued = issueToken('taxi', secret, day);
    expect(issued.visitor).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(issued.token.split('.')).toHaveLength(3);
    expect(readToken('taxi', secret, issued.token)).toBe(issued.visitor);
  });

  it('each new token is a new visitor', () => {
    expect(issueToken('taxi', secret, day).visitor).not.toBe(issueToken('taxi', secret, day).visitor);
    expect(newVisitorId()).not.toBe(newVisitorId());
  });

  it('a renewed token keeps the visitor and moves the expiry', () => {
    const first = issueToken('taxi', secret, day, { now: 1_000_000_000_000 });
    const renewed = issueToken('taxi', secret, day, { visitor: first.visitor, now: 1_000_000_500_000 });
    expect(renewed.visitor).toBe(first.visitor);
    expect(renewed.expiresAt).toBe(first.expiresAt + 500);
  });

  it('a tampered token is refused: another visitor id, a later expiry, or a changed signature', () => {
    const { token } = issueToken('taxi', secret, day);
    const [visitor, expires, signature] = token.split('.') as [string, string, string];
    const other = newVisitorId();
    expect(() => readToken('taxi', secret, `${other}.${expires}.${signature}`)).toThrow(SignatureError);
    expect(() => readToken('taxi', secret, `${visitor}.${Number(expires) + 3600}.${signature}`)).toThrow(/does not match/);
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    expect(() => readToken('taxi', secret, `${visitor}.${expires}.${flipped}`)).toThrow(SignatureError);
  });

  it('an expired token is refused', () => {
    const { token } = issueToken('taxi', secret, 60, { now: Date.now() - 120_000 });
    expect(() => readToken('taxi', secret, token)).toThrow(/expired/);
  });

  it("another bot's token is refused, even when both bots share a secret", () => {
    const { token } = issueToken('bills', secret, day);
    expect(() => readToken('taxi', secret, token)).toThrow(/another bot/);
    expect(() => readToken('bills', 'another-secret-16-chars', token)).toThrow(SignatureError);
  });

  it('missing and malformed tokens are refused with a SignatureError that says where to get one', () => {
    expect(() => readToken('taxi', secret, undefined)).toThrow(/POST \/webchat\/<bot>\/session/);
    expect(() => readToken('taxi', secret, '')).toThrow(SignatureError);
    for (const bad of ['abc', 'a.b', 'x.y.z.w', `${newVisitorId()}.soon.sig`, `short.123.sig`]) {
      expect(() => readToken('taxi', secret, bad)).toThrow(/Malformed/);
    }
  });
});
