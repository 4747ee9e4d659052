/** The configuration of observability: admin credentials and the logPersonalData debug option. */
import { z } from 'zod';
import { loadConfig } from '../../framework/config/load';
import { redactConfig } from '../../framework/config/redact';
import { ConfigError } from '../../framework/core/errors';

const adapters = [{ platform: 'telegram', settings: z.object({ token: z.string().min(1) }) }];
const valid = { redisUrl: 'redis://127.0.0.1:6379', bots: { taxi: { platforms: { telegram: { token: 't' } } } } };

describe('observability configuration', () => {
  test('admin credentials come from the environment and are never printed', () => {
    const config = loadConfig({ env: { KIOSK__admin__username: 'ops', KIOSK__admin__password: 'dev-only-admin-password' }, object: valid, adapters });
    expect(config.admin).toEqual({ username: 'ops', password: 'dev-only-admin-password' });
    expect(JSON.stringify(redactConfig(config))).not.toContain('dev-only-admin-password');
  });

  test('a short admin password is refused, naming the field', () => {
    expect(() => loadConfig({ env: { KIOSK__admin__username: 'ops', KIOSK__admin__password: 'short' }, object: valid, adapters })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { KIOSK__admin__username: 'ops', KIOSK__admin__password: 'short' }, object: valid, adapters })).toThrow(/admin\.password/);
  });

  test('logPersonalData is off unless said, and "false" in the environment means false', () => {
    expect(loadConfig({ env: {}, object: valid, adapters }).logPersonalData ?? false).toBe(false);
    expect(loadConfig({ env: { KIOSK__logPersonalData: 'false' }, object: valid, adapters }).logPersonalData).toBe(false);
    expect(loadConfig({ env: { KIOSK__logPersonalData: 'true' }, object: valid, adapters }).logPersonalData).toBe(true);
    expect(() => loadConfig({ env: { KIOSK__logPersonalData: 'yes please' }, object: valid, adapters })).toThrow(/logPersonalData/);
  });
});
