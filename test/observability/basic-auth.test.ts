/** HTTP Basic credentials, parsed and checked on a real express server. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { parseBasicAuth, requireBasicAuth } from '../../framework/observability/basic-auth';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseBasicAuth', () => {
  test('reads user and password, with a colon allowed in the password', () => {
    expect(parseBasicAuth(basic('ops', 'a:b:c'))).toEqual({ username: 'ops', password: 'a:b:c' });
  });

  test('refuses absent, non-Basic and colon-less headers', () => {
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
    expect(parseBasicAuth(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuth('Basic %%%')).toBeUndefined();
  });
});

describe('requireBasicAuth', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use('/private', requireBasicAuth({ username: 'ops', password: 'dev-only-password' }));
    app.get('/private', (_req, res) => void res.send('in'));
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('the right credentials pass', async () => {
    const res = await fetch(`${base}/private`, { headers: { authorization: basic('ops', 'dev-only-password') } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('in');
  });

  test('no, wrong or half-right credentials are 401 with a Basic challenge', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: basic('ops', 'wrong') }, { authorization: basic('root', 'dev-only-password') }, { authorization: basic('ops', 'dev-only-passwor') }]) {
      const res = await fetch(`${base}/private`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('KIOSK_UNAUTHORIZED');
    }
  });
});
