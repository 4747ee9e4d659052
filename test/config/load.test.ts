import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../../framework/config/load';
import { redactConfig } from '../../framework/config/redact';
import { ConfigError } from '../../framework/core/errors';

const adapters = [{ platform: 'telegram', settings: z.object({ token: z.string().min(1), secretToken: z.string().min(1) }) }];
const valid = { redisUrl: 'redis://127.0.0.1:6379', bots: { taxi: { platforms: { telegram: { token: 'SECRET-TOKEN-123', secretToken: 's' } } } } };

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('a minimal configuration gets its defaults', () => {
    const config = loadConfig({ env: {}, object: valid, adapters });
    expect(config).toMatchObject({ prefix: 'kiosk', port: 3000, inboundPartitions: 16, webhookBodyLimitBytes: 1_048_576 });
    expect(config.bots.taxi!.defaultLocale).toBe('en');
  });

  test('a missing redisUrl is named', () => {
    const e = error(() => loadConfig({ env: {}, object: { bots: {} }, adapters }));
    expect(e.path).toBe('redisUrl');
    expect(e.code).toBe('KIOSK_CONFIG_INVALID');
  });

  test('malformed platform settings name the field and never print the secret', () => {
    const e = error(() =>
      loadConfig({ env: {}, object: { ...valid, bots: { taxi: { platforms: { telegram: { token: '', secretToken: 'SECRET-TOKEN-123' } } } } }, adapters }),
    );
    expect(e.path).toBe('bots.taxi.platforms.telegram.token');
    expect(e.message).not.toContain('SECRET-TOKEN-123');
  });

  test('an unknown platform lists the known ones', () => {
    const e = error(() => loadConfig({ env: {}, object: { ...valid, bots: { taxi: { platforms: { pigeon: {} } } } }, adapters }));
    expect(e.path).toBe('bots.taxi.platforms.pigeon');
    expect(e.message).toContain('telegram');
  });

  test('the environment overrides the file, which the object overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-config-'));
    const file = join(dir, 'kiosk.json');
    writeFileSync(file, JSON.stringify({ ...valid, port: 4000, prefix: 'fromfile' }));
    const config = loadConfig({
      env: { KIOSK_CONFIG: file, PORT: '5000', KIOSK__bots__taxi__platforms__telegram__token: 'env-token', REDIS_URL: 'redis://10.0.0.1:6380' },
      object: { prefix: 'fromobject' },
      adapters,
    });
    expect(config.port).toBe(5000);
    expect(config.prefix).toBe('fromobject');
    expect(config.redisUrl).toBe('redis://10.0.0.1:6380');
    expect((config.bots.taxi!.platforms.telegram as { token: string }).token).toBe('env-token');
  });

  test('an unreadable file is a ConfigError that says to check KIOSK_CONFIG', () => {
    expect(() => loadConfig({ env: { KIOSK_CONFIG: '/nonexistent/kiosk.json' }, adapters })).toThrow(/KIOSK_CONFIG/);
  });

  test('redactConfig hides secrets and Redis credentials', () => {
    const config = loadConfig({ env: {}, object: { ...valid, redisUrl: 'redis://user:hunter2@127.0.0.1:6379' }, adapters });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('SECRET-TOKEN-123');
    expect(printed).not.toContain('hunter2');
    expect(printed).toContain('127.0.0.1:6379');
  });
});
