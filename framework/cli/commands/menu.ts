/** `kiosk menu publish`: publish each WeChat bot's configured custom menu. */
import { UsageError, type CliCommand } from '../command';

/** `kiosk menu publish`. */
export const menuPublishCommand: CliCommand = {
  words: ['menu', 'publish'],
  summary: "Publish the WeChat custom menu configured under bots.<bot>.platforms.wechat.menu",
  description:
    'The menu is checked against WeChat\'s limits first (1-3 buttons, 1-5 under each, name lengths\n' +
    'in bytes), so a wrong menu fails naming the field. It replaces the account\'s current menu;\n' +
    'WeChat clients show it within about 5 minutes. Exits 1 if WeChat refused a menu.',
  options: { bot: { type: 'string', value: '<name>', description: 'Only this bot. Default: every bot on WeChat with a menu' } },
  examples: ['kiosk menu publish', 'kiosk menu publish --bot bills'],
  async run({ options, io, loadApp }) {
    const app = await loadApp();
    const only = typeof options.bot === 'string' ? options.bot : undefined;
    const onWechat = Object.entries(app.config.bots).filter(([bot, c]) => c.platforms.wechat !== undefined && (!only || bot === only));
    if (only && !app.config.bots[only]) throw new UsageError(`no bot "${only}" is configured`, 'menu publish');
    if (onWechat.length === 0) {
      io.err(`kiosk menu publish: no ${only ? `bot "${only}" on` : 'bot is configured for'} WeChat; add bots.<bot>.platforms.wechat with a menu.`);
      return 1;
    }
    // Required here, not at start: see serve.ts.
    const { createKiosk } = require('../../kiosk') as typeof import('../../kiosk');
    const { wechatApiOf, wechatSettings } = require('../../adapters/wechat/adapter') as typeof import('../../adapters/wechat/adapter');
    const { publishWechatMenu } = require('../../adapters/wechat/menu') as typeof import('../../adapters/wechat/menu');
    const kiosk = createKiosk(app);
    let failed = 0;
    try {
      for (const [bot, botConfig] of onWechat) {
        const { menu } = wechatSettings.parse(botConfig.platforms.wechat);
        if (!menu) {
          io.out(`${bot}: no menu configured (bots.${bot}.platforms.wechat.menu); nothing published.`);
          continue;
        }
        const adapter = kiosk.adapterFor(bot, 'wechat');
        const api = adapter && wechatApiOf(adapter);
        if (!api) throw new Error(`the WeChat adapter of ${bot} has no API client; was it replaced by a custom adapter?`);
        try {
          await publishWechatMenu(api, menu);
          io.out(`${bot}: menu published (${menu.button.length} top-level button${menu.button.length === 1 ? '' : 's'}).`);
        } catch (error) {
          failed++;
          io.err(`${bot}: menu NOT published: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } finally {
      await kiosk.close();
    }
    return failed ? 1 : 0;
  },
};
