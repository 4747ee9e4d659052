/** The logger's second line of defence: objects with customer data logged by mistake are hidden. */
import { createLogger } from '../../framework/log';

function capturedLogger(logPersonalData: boolean) {
  const text: string[] = [];
  const logger = createLogger({ level: 'info', logPersonalData, destination: { write: (line: string) => void text.push(line) } });
  return { logger, output: () => text.join('') };
}

const update = {
  id: '77',
  bot: 'taxi',
  platform: 'telegram',
  chat: { id: '33612345678', type: 'private' },
  from: { id: '33612345678', name: 'Zephyrine Dubois', username: 'zephy_private' },
  message: { id: '1', text: 'my secret address', location: { latitude: 48.858437, longitude: 2.294481 } },
  raw: { message: { contact: { phone_number: '+33612345678', first_name: 'Zephyrine' } } },
};

describe('log redaction', () => {
  test('an update logged whole keeps its id and loses its sender, text, location and raw payload', () => {
    const { logger, output } = capturedLogger(false);
    logger.info({ update }, 'by mistake');
    logger.info({ ...update }, 'spread by mistake');
    logger.info({ text: 'my secret address', phone: '+33612345678', location: { latitude: 48.858437 } }, 'loose fields');
    const text = output();
    for (const value of ['Zephyrine', 'zephy_private', '33612345678', 'my secret address', '48.858']) expect(text).not.toContain(value);
    expect(text).toContain('"id":"77"');
    // The caller's object is left as it was.
    expect(update.from.name).toBe('Zephyrine Dubois');
    expect(update.message.text).toBe('my secret address');
    // pino's own `name` (the logger's) is not a customer's.
    expect(text).toContain('"name":"kiosk"');
  });

  test('customer data is hidden at any depth, and an error keeps its message', () => {
    const { logger, output } = capturedLogger(false);
    logger.info({ a: { b: { c: { d: { e: { username: 'deep_zephy' } } } } }, err: new Error('Redis timed out') }, 'deep');
    expect(output()).not.toContain('deep_zephy');
    expect(output()).toContain('Redis timed out');
  });

  test('secrets are hidden even with logPersonalData on, customer data is not', () => {
    const { logger, output } = capturedLogger(true);
    logger.info({ settings: { token: '123:dev-only-token', secretToken: 'dev-only-secret' }, from: update.from }, 'debugging');
    const text = output();
    expect(text).not.toContain('dev-only-token');
    expect(text).not.toContain('dev-only-secret');
    expect(text).toContain('Zephyrine');
  });
});
