/**
 * HTTP Basic authentication for the operator's pages (the queues UI). Credentials come from
 * configuration; both are compared in constant time, so timing reveals neither.
 */
import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../adapters/signature';

/** The operator's credentials, from configuration's `admin` section. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** The user and password of an `Authorization: Basic …` header; `undefined` when absent or malformed. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Express middleware that lets through requests carrying the right credentials and answers
 * 401 with a `WWW-Authenticate` challenge to the others (so a browser asks for them).
 *
 * @example
 * ```ts
 * app.use('/admin', requireBasicAuth({ username: 'ops', password: process.env.ADMIN_PASSWORD! }));
 * ```
 */
export function requireBasicAuth(credentials: BasicCredentials, realm = 'Kiosk admin') {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = parseBasicAuth(req.headers.authorization);
    // Both compared every time (no early exit on a wrong user name), each in constant time.
    const userOk = safeEqual(given?.username, credentials.username);
    const passwordOk = safeEqual(given?.password, credentials.password);
    if (given && userOk && passwordOk) return next();
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.status(401).json({ error: { code: 'KIOSK_UNAUTHORIZED', message: 'Give the admin user name and password (configuration: admin.username, admin.password).' } });
  };
}
