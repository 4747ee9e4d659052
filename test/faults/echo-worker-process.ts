/**
 * A worker process for the fault tests: runs Kiosk's workers for an echo bot on Telegram
 * whose handler takes `KIOSK_TEST_HOLD_MS` (so a kill lands mid-handler) and says on stdout
 * which update it is handling. Configuration comes as JSON in KIOSK_TEST_CONFIG.
 */
import { telegram } from '../../framework/adapters/telegram/adapter';
import type { KioskConfig } from '../../framework/config/schema';
import { Bot } from '../../framework/core/bot';
import { createKiosk } from '../../framework/kiosk';
import { createLogger } from '../../framework/log';

async function main() {
  const config = JSON.parse(process.env.KIOSK_TEST_CONFIG!) as KioskConfig;
  const hold = Number(process.env.KIOSK_TEST_HOLD_MS ?? 100);
  const bot = new Bot('echo');
  bot.on('message:text', async (ctx) => {
    process.stdout.write(`handling ${ctx.text}\n`);
    await new Promise((resolve) => setTimeout(resolve, hold));
    await ctx.reply(`echo ${ctx.text}`);
  });
  const kiosk = createKiosk({
    config,
    bots: [bot],
    adapters: [telegram],
    logger: createLogger({ level: 'silent' }),
    // A short lock, so the updates this process holds when it is killed stall quickly.
    inbound: { lockDuration: 1500, stalledInterval: 1000 },
    delivery: { lockDuration: 1500 },
  });
  await kiosk.startWorkers();
  process.stdout.write('ready\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
