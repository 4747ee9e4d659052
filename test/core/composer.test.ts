import { Bot } from '../../framework/core/bot';
import { Composer } from '../../framework/core/composer';
import type { Context, ContextServices } from '../../framework/core/context';
import { RouterError } from '../../framework/core/errors';
import type { OutboundMessage } from '../../framework/core/outbound';
import { parseCommand, type Update } from '../../framework/core/update';

let seq = 0;
function update(partial: Partial<Update>): Update {
  return {
    id: String(++seq),
    platform: 'test',
    bot: 'demo',
    chat: { id: 'c1', type: 'private' },
    from: { id: 'u1' },
    kind: 'message',
    receivedAt: 0,
    ...partial,
  };
}
const text = (t: string) => update({ message: { text: t, ...(parseCommand(t) ? { command: parseCommand(t)! } : {}) } });
const press = (data: string) => update({ kind: 'button', button: { data, id: 'q1' } });
const event = (type: string, payload?: string) => update({ kind: 'event', event: { type, ...(payload ? { payload } : {}) } });

function services() {
  const sent: OutboundMessage[] = [];
  const answered: string[] = [];
  const s: ContextServices = {
    send: async (_c, m) => {
      sent.push(m);
      return { messageId: String(sent.length) };
    },
    answerButton: async (u) => {
      answered.push(u.button!.id!);
    },
  };
  return { s, sent, answered };
}

describe('Composer', () => {
  test('middleware runs in order and next() passes control down the chain', async () => {
    const bot = new Bot('demo');
    const trail: string[] = [];
    bot.use(async (_ctx, next) => {
      trail.push('a');
      await next();
      trail.push('a-after');
    });
    bot.use((_ctx, next) => {
      trail.push('b');
      return next();
    });
    bot.use(() => {
      trail.push('c');
    });
    bot.use(() => {
      trail.push('never');
    });
    await bot.handleUpdate(text('hi'), services().s);
    expect(trail).toEqual(['a', 'b', 'c', 'a-after']);
  });

  test('on("message:text") narrows and skips other kinds', async () => {
    const bot = new Bot('demo');
    const seen: string[] = [];
    bot.on('message:text', (ctx) => {
      const upper: string = ctx.text.toUpperCase();
      seen.push(upper);
    });
    await bot.handleUpdate(update({ message: { location: { latitude: 1, longitude: 2 } } }), services().s);
    await bot.handleUpdate(text('hello'), services().s);
    expect(seen).toEqual(['HELLO']);
  });

  test('on("message:location") gives the location; on(event:subscribe) only that event', async () => {
    const bot = new Bot('demo');
    const seen: string[] = [];
    bot.on('message:location', (ctx) => {
      seen.push(`${ctx.location.latitude},${ctx.location.longitude}`);
    });
    bot.event('subscribe', (ctx) => {
      seen.push(`sub:${ctx.event.payload ?? ''}`);
    });
    await bot.handleUpdate(update({ message: { location: { latitude: 48.8, longitude: 2.3 } } }), services().s);
    await bot.handleUpdate(event('unsubscribe'), services().s);
    await bot.handleUpdate(event('subscribe', 'qr-7'), services().s);
    expect(seen).toEqual(['48.8,2.3', 'sub:qr-7']);
  });

  test('on() with several queries matches any of them', async () => {
    const bot = new Bot('demo');
    let count = 0;
    bot.on(['message:location', 'button'], () => {
      count++;
    });
    await bot.handleUpdate(press('x'), services().s);
    await bot.handleUpdate(text('no'), services().s);
    await bot.handleUpdate(update({ message: { location: { latitude: 0, longitude: 0 } } }), services().s);
    expect(count).toBe(2);
  });

  test('an unknown filter query is refused when the route is declared', () => {
    const bot = new Bot('demo');
    expect(() => bot.on('message:txt' as 'message:text', () => undefined)).toThrow(/Unknown filter query "message:txt"/);
  });

  test('command() matches the name, case-insensitively, with the payload in ctx.match', async () => {
    const bot = new Bot('demo');
    const seen: string[] = [];
    bot.command('start', (ctx) => {
      seen.push(`start[${ctx.match}]`);
    });
    bot.command(['taxi', 'cab'], (ctx) => {
      seen.push(`taxi[${ctx.match}]`);
    });
    for (const t of ['/start ref42', '/START', '/cab@KioskBot now', '/other', 'start']) await bot.handleUpdate(text(t), services().s);
    expect(seen).toEqual(['start[ref42]', 'start[]', 'taxi[now]']);
  });

  test('command("/start") is refused with a message saying what to write', () => {
    const bot = new Bot('demo');
    expect(() => bot.command('/start', () => undefined)).toThrow(RouterError);
    expect(() => bot.command('/start', () => undefined)).toThrow("write command('start')");
  });

  test('hears() with a string matches exactly; with a RegExp exposes the groups', async () => {
    const bot = new Bot('demo');
    const seen: unknown[] = [];
    bot.hears('taxi', (ctx) => {
      seen.push(ctx.match);
    });
    bot.hears(/^(\d+) seats?$/i, (ctx) => {
      seen.push((ctx.match as RegExpMatchArray)[1]);
    });
    for (const t of ['taxi', 'a taxi', '3 seats', '1 seat', 'seats']) await bot.handleUpdate(text(t), services().s);
    expect(seen).toEqual(['taxi', '3', '1']);
  });

  test('button() matches data and the press is answered once, even with no explicit answer', async () => {
    const bot = new Bot('demo');
    const seen: string[] = [];
    bot.button(/^seat:(\d+)$/, (ctx) => {
      seen.push((ctx.match as RegExpMatchArray)[1]!);
    });
    bot.button('cancel', (ctx) => ctx.answerButton('Cancelled'));
    const { s, answered } = services();
    await bot.handleUpdate(press('seat:12'), s);
    await bot.handleUpdate(press('cancel'), s);
    await bot.handleUpdate(press('unknown'), s);
    expect(seen).toEqual(['12']);
    expect(answered).toEqual(['q1', 'q1', 'q1']);
  });

  test('filter() with a type guard, drop(), branch() and lazy() route by predicate', async () => {
    const bot = new Bot('demo');
    const seen: string[] = [];
    bot.filter((ctx) => ctx.chat.id === 'vip').use(() => {
      seen.push('vip');
    });
    bot.drop((ctx) => ctx.from.id === 'banned', (ctx, next) => {
      seen.push(`ok:${ctx.from.id}`);
      return next();
    });
    bot.branch(
      (ctx) => ctx.update.kind === 'button',
      () => {
        seen.push('branch:button');
      },
      (_ctx, next) => next(),
    );
    bot.lazy((ctx) => (ctx.from.locale === 'fr' ? () => void seen.push('fr') : () => void seen.push('other')));
    await bot.handleUpdate(update({ chat: { id: 'vip', type: 'private' } }), services().s);
    await bot.handleUpdate(update({ from: { id: 'banned' } }), services().s);
    await bot.handleUpdate(update({ from: { id: 'u2', locale: 'fr' }, message: { text: 'x' } }), services().s);
    await bot.handleUpdate(press('b'), services().s);
    expect(seen).toEqual(['vip', 'other', 'ok:u2', 'fr', 'ok:u1', 'branch:button']);
  });

  test('composers nest: a service composer mounted in a hub bot', async () => {
    const taxi = new Composer<Context>();
    taxi.command('taxi', (ctx) => ctx.reply('Where from?'));
    const bills = new Composer<Context>();
    bills.command('bill', (ctx) => ctx.reply('Your bill'));
    const hub = new Bot('hub');
    hub.use(taxi, bills);
    hub.on('message', (ctx) => ctx.reply('Menu'));
    const { s, sent } = services();
    for (const t of ['/taxi', '/bill', 'hello']) await hub.handleUpdate(text(t), s);
    expect(sent.map((m) => m.text)).toEqual(['Where from?', 'Your bill', 'Menu']);
  });

  test('ctx.reply sends buttons and goes to the update conversation', async () => {
    const bot = new Bot('demo');
    bot.on('message', (ctx) => ctx.reply('Pick', { buttons: [[{ label: 'Yes', data: 'y' }]] }));
    const seen: Array<{ chat: string; message: OutboundMessage }> = [];
    await bot.handleUpdate(text('x'), { send: async (c, m) => (seen.push({ chat: c.chat, message: m }), {}) });
    expect(seen).toEqual([{ chat: 'c1', message: { text: 'Pick', buttons: [[{ label: 'Yes', data: 'y' }]] } }]);
  });

  test('errorBoundary catches errors of its middleware; bot.catch gets the rest', async () => {
    const bot = new Bot('demo');
    const caught: string[] = [];
    bot.errorBoundary(
      (err, _ctx, next) => {
        caught.push(`boundary:${(err.cause as Error).message}`);
        return next();
      },
      (ctx) => {
        if (ctx.text === 'boom') throw new Error('inner');
      },
    );
    bot.on('message:text', (ctx) => {
      if (ctx.text === 'boom') throw new Error('outer');
    });
    bot.catch((err) => {
      caught.push(`catch:${(err.cause as Error).message}:${err.update.id}`);
    });
    const u = text('boom');
    await bot.handleUpdate(u, services().s);
    expect(caught).toEqual(['boundary:inner', `catch:outer:${u.id}`]);
  });

  test('a middleware calling next() twice is an error', async () => {
    const bot = new Bot('demo');
    const errors: string[] = [];
    bot.use(async (_ctx, next) => {
      await next();
      await next();
    });
    bot.use(() => undefined);
    bot.catch((err) => void errors.push((err.cause as Error).message));
    await bot.handleUpdate(text('x'), services().s);
    expect(errors[0]).toMatch(/next\(\) was called twice/);
  });

  test('an invalid bot name is refused with what to use', () => {
    expect(() => new Bot('My Bot')).toThrow(/lowercase letters/);
  });
});
