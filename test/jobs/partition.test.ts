import { inboundJobId, partitionOf } from '../../framework/jobs/partition';

const at = (chat: string, bot = 'taxi', platform = 'telegram') => ({ bot, platform, chat: { id: chat, type: 'private' as const } });

describe('partitionOf', () => {
  test('one chat always maps to the same partition', () => {
    expect(partitionOf(at('42'), 16)).toBe(partitionOf(at('42'), 16));
  });

  test('chats spread over every partition', () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf(at(String(i)), 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });

  test('the same chat id on another bot or platform is another chat', () => {
    const ids = new Set<number>();
    for (const bot of ['a', 'b', 'c', 'd']) for (const platform of ['telegram', 'webchat']) ids.add(partitionOf(at('1', bot, platform), 1024));
    expect(ids.size).toBeGreaterThan(4);
  });
});

describe('inboundJobId', () => {
  test('never contains ":" and is never a plain integer, as BullMQ requires', () => {
    const id = inboundJobId({ bot: 'taxi', platform: 'telegram', id: '12:34' });
    expect(id).not.toContain(':');
    expect(id).not.toMatch(/^\d+$/);
    expect(inboundJobId({ bot: 'taxi', platform: 'telegram', id: '7' })).toBe('telegram-taxi-7');
  });

  test('distinct update ids give distinct job ids', () => {
    const a = inboundJobId({ bot: 'b', platform: 'p', id: 'x:1' });
    const b = inboundJobId({ bot: 'b', platform: 'p', id: 'x%3A1' });
    expect(a).not.toBe(b);
  });
});
