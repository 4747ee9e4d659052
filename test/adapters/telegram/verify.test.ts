import type { Redis } from 'ioredis';
import type { WebhookRequest } from '../../../framework/adapters/adapter';
import { telegram } from '../../../framework/adapters/telegram/adapter';
import { SignatureError } from '../../../framework/core/errors';
import { connect } from '../../helpers/redis';

const SECRET = 'dev_secret-123';

function request(headers: Record<string, string | undefined>): WebhookRequest {
  return { method: 'POST', headers, query: {}, rawBody: Buffer.from('{"update_id":1}') };
}

describe('telegram adapter: verify', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connect();
  });
  afterAll(async () => {
    await redis.quit();
  });

  const adapter = () => telegram.create(telegram.settings.parse({ token: '123:abc', secretToken: SECRET }), { bot: 'taxi', redis, prefix: 'kt' });

  it('accepts the right secret token', () => {
    expect(() => adapter().verify(request({ 'x-telegram-bot-api-secret-token': SECRET }))).not.toThrow();
  });

  it('refuses a wrong secret token with SignatureError', () => {
    expect(() => adapter().verify(request({ 'x-telegram-bot-api-secret-token': 'dev_secret-124' }))).toThrow(SignatureError);
  });

  it('refuses a missing secret token with SignatureError naming the header', () => {
    expect(() => adapter().verify(request({}))).toThrow(/Missing x-telegram-bot-api-secret-token/);
  });

  it('refuses a prefix of the secret', () => {
    expect(() => adapter().verify(request({ 'x-telegram-bot-api-secret-token': SECRET.slice(0, -1) }))).toThrow(SignatureError);
  });
});

describe('telegram adapter: settings', () => {
  it('defaults apiRoot to Telegram', () => {
    expect(telegram.settings.parse({ token: 't', secretToken: 's' }).apiRoot).toBe('https://api.telegram.org');
  });

  it.each([
    [{ token: '', secretToken: 's' }, 'token'],
    [{ token: 't', secretToken: 'has space' }, 'secretToken'],
    [{ token: 't', secretToken: 'x'.repeat(257) }, 'secretToken'],
    [{ token: 't', secretToken: 's', apiRoot: 'not a url' }, 'apiRoot'],
  ])('refuses %j, naming %s', (settings, field) => {
    const result = telegram.settings.safeParse(settings);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
});
