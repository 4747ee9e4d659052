import { z } from 'zod';
import { Bot } from '../../framework/core/bot';
import type { Context, ContextServices } from '../../framework/core/context';
import type { Update } from '../../framework/core/update';
import { MemorySessionStore } from '../../framework/session/memory-store';
import { session, type SessionFlavor } from '../../framework/session/session';
import type { SessionStore } from '../../framework/session/store';

type Ctx = Context & SessionFlavor<{ count: number }>;
let seq = 0;
const text = (chat: string, t = 'x', platform = 'test'): Update => ({
  id: String(++seq),
  platform,
  bot: 'counter',
  chat: { id: chat, type: 'private' },
  from: { id: chat },
  kind: 'message',
  message: { text: t },
  receivedAt: 0,
});
const services: ContextServices = { send: async () => ({}) };

function countingStore() {
  const inner = new MemorySessionStore();
  const writes: Array<{ key: string; ttl: number | undefined }> = [];
  const store: SessionStore = {
    get: (k) => inner.get(k),
    set: (k, v, ttl) => {
      writes.push({ key: k, ttl });
      return inner.set(k, v, ttl);
    },
    delete: (k) => inner.delete(k),
  };
  return { store, writes, inner };
}

function counterBot(store: SessionStore, schema?: z.ZodType<{ count: number }>) {
  const bot = new Bot<Ctx>('counter');
  const seen: number[] = [];
  bot.use(session({ initial: () => ({ count: 0 }), store, ttlSeconds: 60, ...(schema ? { schema } : {}) }));
  bot.hears('peek', (ctx) => void seen.push(ctx.session.count));
  bot.on('message:text', (ctx) => {
    ctx.session.count++;
    seen.push(ctx.session.count);
  });
  return { bot, seen };
}

describe('session()', () => {
  test('state persists across updates of one chat and is separate per chat and platform', async () => {
    const { store } = countingStore();
    const { bot, seen } = counterBot(store);
    for (const u of [text('a'), text('a'), text('b'), text('a'), text('a', 'x', 'other')]) await bot.handleUpdate(u, services);
    expect(seen).toEqual([1, 2, 1, 3, 1]);
  });

  test('keys are bot:platform:chat and the TTL is passed through', async () => {
    const { store, writes } = countingStore();
    const { bot } = counterBot(store);
    await bot.handleUpdate(text('a'), services);
    expect(writes).toEqual([{ key: 'counter:test:a', ttl: 60 }]);
  });

  test('an unchanged session is not written', async () => {
    const { store, writes } = countingStore();
    const { bot, seen } = counterBot(store);
    await bot.handleUpdate(text('a'), services);
    await bot.handleUpdate(text('a', 'peek'), services);
    expect(seen).toEqual([1, 1]);
    expect(writes).toHaveLength(1);
  });

  test('a stored session that no longer fits the schema starts afresh', async () => {
    const { store, inner } = countingStore();
    await inner.set('counter:test:a', { count: 'many' });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { bot, seen } = counterBot(store, z.object({ count: z.number() }));
    await bot.handleUpdate(text('a'), services);
    expect(seen).toEqual([1]);
    expect(warn.mock.calls[0]![0]).not.toContain('many');
    warn.mockRestore();
  });

  test('setting ctx.session to undefined deletes it', async () => {
    const { store, inner } = countingStore();
    const bot = new Bot<Ctx>('counter');
    bot.use(session({ initial: () => ({ count: 0 }), store }));
    bot.hears('reset', (ctx) => {
      (ctx as { session: unknown }).session = undefined;
    });
    bot.on('message:text', (ctx) => void ctx.session.count++);
    await bot.handleUpdate(text('a'), services);
    expect(await inner.get('counter:test:a')).toEqual({ count: 1 });
    await bot.handleUpdate(text('a', 'reset'), services);
    expect(await inner.get('counter:test:a')).toBeUndefined();
  });

  test('without a store or a runtime store, sessions live in memory', async () => {
    const bot = new Bot<Ctx>('counter');
    const seen: number[] = [];
    bot.use(session({ initial: () => ({ count: 0 }) }));
    bot.on('message:text', (ctx) => void seen.push(++ctx.session.count));
    await bot.handleUpdate(text('a'), services);
    await bot.handleUpdate(text('a'), services);
    expect(seen).toEqual([1, 2]);
  });
});
