/**
 * The context's own helpers: `t` gives a template's text in the customer's language, and
 * `reply` renders templates by name.
 */
import { join } from 'node:path';
import { Bot } from '../../framework/core/bot';
import type { ContextServices } from '../../framework/core/context';
import type { OutboundMessage } from '../../framework/core/outbound';
import type { Update } from '../../framework/core/update';
import { createTemplates } from '../../framework/templates/engine';

const templates = createTemplates({ root: join(__dirname, '../../templates') });

function textFrom(locale: string | undefined, text: string): Update {
  return {
    id: 'u1',
    platform: 'telegram',
    bot: 'taxi',
    chat: { id: 'c1', type: 'private' },
    from: { id: 'p1', ...(locale ? { locale } : {}) },
    kind: 'message',
    message: { text },
    receivedAt: 0,
  };
}

function services(sent: OutboundMessage[]): ContextServices {
  return { send: async (_c, m) => (sent.push(m), {}), render: templates.render };
}

describe('Context', () => {
  test('t() gives the text of a template in the customer’s language', async () => {
    const seen: string[] = [];
    const bot = new Bot('taxi');
    bot.on('message:text', (ctx) => void seen.push(ctx.t('taxi/ask-pickup')));
    await bot.handleUpdate(textFrom('fr', 'hi'), services([]));
    await bot.handleUpdate(textFrom('zh-CN', 'hi'), services([]));
    await bot.handleUpdate(textFrom(undefined, 'hi'), services([]));
    expect(seen).toEqual([
      'Où devons-nous vous prendre ? Écrivez une adresse ou partagez votre position.',
      '请问在哪里上车？请输入地址或分享您的位置。',
      'Where shall we pick you up? Type an address or share your location.',
    ]);
  });

  test('t() without templates configured says how to configure them', async () => {
    let failure: unknown;
    const bot = new Bot('taxi');
    bot.on('message:text', (ctx) => {
      try {
        ctx.t('taxi/ask-pickup');
      } catch (error) {
        failure = error;
      }
    });
    await bot.handleUpdate(textFrom('en', 'hi'), { send: async () => ({}) });
    expect(String(failure)).toMatch(/no templates are configured/);
  });
});
