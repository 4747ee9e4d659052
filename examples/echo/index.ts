/**
 * The smallest Kiosk program: a bot that echoes what it is told, on the web chat.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/echo/index.ts
 *
 * then open the printed URL. Every message goes through the durable inbound queue and the
 * delivery queue, exactly as in production.
 */
import { Bot, builtinAdapters, createKiosk, createLogger, loadConfig } from '../../framework/index';

/** The echo bot: commands, text, locations and buttons. */
export function createEchoBot(): Bot {
  const bot = new Bot('echo');
  bot.command('start', (ctx) => ctx.reply('Hello! Say anything and I will say it back.', { buttons: [[{ label: 'Ping', data: 'ping' }]] }));
  bot.button('ping', (ctx) => ctx.reply('pong'));
  bot.on('message:text', (ctx) => ctx.reply(ctx.text));
  bot.on('message:location', (ctx) => ctx.reply(`You are at ${ctx.location.latitude}, ${ctx.location.longitude}`));
  return bot;
}

/** Start the example; resolves to its URL and a way to stop it. */
export async function main(options: { port?: number; prefix?: string; quiet?: boolean } = {}) {
  const config = loadConfig({
    adapters: builtinAdapters,
    object: {
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: options.prefix ?? 'kiosk-echo',
      bots: { echo: { platforms: { webchat: { secret: 'dev-only-echo-secret-0123456789' } } } },
    },
  });
  const kiosk = createKiosk({ config, bots: [createEchoBot()], logger: createLogger({ level: options.quiet ? 'silent' : 'warn' }) });
  await kiosk.startWorkers();
  const url = await kiosk.listen(options.port ?? 3001);
  if (!options.quiet) console.log(`Echo bot: open ${url}/webchat/echo`);
  return { url, close: () => kiosk.close() };
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
