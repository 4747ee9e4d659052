/**
 * An application module for the scale-out test, run by `kiosk web` and `kiosk worker`: an echo
 * bot on Telegram, configured from the environment like any Kiosk app. Each run of its handler
 * is counted in Redis (`<prefix>:test:runs`, per update), so the test can tell a handler that
 * ran twice (after a worker was killed mid-update) from a reply delivered twice.
 *
 * Two things differ from production, both because the fake Bot API is local: Telegram's rate
 * (30 messages a second per bot) is raised so 2,000 replies take seconds, and locks are short
 * so a killed worker's updates are taken over within seconds rather than 30.
 */
import { Redis } from 'ioredis';
import { telegram } from '../../framework/adapters/telegram/adapter';
import type { AdapterDefinition } from '../../framework/adapters/definition';
import { loadConfig } from '../../framework/config/load';
import { Bot } from '../../framework/core/bot';
import type { KioskOptions } from '../../framework/kiosk';

/** Telegram, with a rate only a local fake allows. */
const fastTelegram: AdapterDefinition<typeof telegram.settings> = {
  ...telegram,
  create: (settings, environment) => ({ ...telegram.create(settings, environment), limits: { perSecond: 5000, perChatPerSecond: 100 } }),
};

/** The echo deployment. */
export function createApp(): KioskOptions {
  const config = loadConfig({ adapters: [fastTelegram] });
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const bot = new Bot('echo');
  bot.on('message:text', async (ctx) => {
    await redis.hincrby(`${config.prefix}:test:runs`, ctx.update.id, 1);
    await ctx.reply(`echo ${ctx.text}`);
  });
  return {
    config,
    bots: [bot],
    adapters: [fastTelegram],
    inbound: { lockDuration: 4000, stalledInterval: 2000 },
    delivery: { partitions: 8, lockDuration: 4000 },
  };
}
