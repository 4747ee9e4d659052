/**
 * `npm start`: the demo. Serves every bot in `bots/` on the web chat and on Telegram (against
 * a local fake Bot API, so no token or internet is needed), with workers in the same process.
 * Secrets here are for development only.
 */
import { join } from 'node:path';
import { bots } from '../bots';
import { builtinAdapters, createKiosk, createLogger, createTemplates, loadConfig, startFakeTelegram, stopOnSignals } from '../framework/index';
import { jobs } from '../workers';

async function main() {
  const fakeTelegram = await startFakeTelegram();
  const platforms = {
    webchat: { secret: 'dev-only-webchat-secret-not-for-production' },
    telegram: { token: '123456:dev-only-token', secretToken: 'dev-only-telegram-secret', apiRoot: fakeTelegram.apiRoot },
  };
  const config = loadConfig({
    adapters: builtinAdapters,
    object: {
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: 'kiosk-demo',
      bots: Object.fromEntries(bots.map((bot) => [bot.name, { platforms }])),
    },
  });
  const templates = createTemplates({ root: join(__dirname, '..', 'templates') });
  const logger = createLogger({ level: process.env.KIOSK_LOG_LEVEL ?? 'warn' });
  const kiosk = createKiosk({ config, bots, jobs, render: templates.render, logger });
  await kiosk.startWorkers();
  const base = await kiosk.listen(config.port, '127.0.0.1').catch(() => kiosk.listen(0, '127.0.0.1'));

  const lines = [
    '',
    'Kiosk demo is running (development secrets only).',
    '',
    ...bots.map((bot) => `  Web chat (${bot.name}):  ${base}/webchat/${bot.name}`),
    '',
    '  Webhooks:',
    ...kiosk.webhookUrls(base).map((w) => `    ${w.platform.padEnd(9)} ${w.url}`),
    '',
    `  Fake Telegram Bot API: ${fakeTelegram.apiRoot} (Telegram replies are printed below)`,
    `  Health: ${base}/healthz   Ready: ${base}/readyz`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ];
  console.log(lines.join('\n'));

  let printed = 0;
  const printer = setInterval(() => {
    for (const message of fakeTelegram.sent.slice(printed)) console.log(`[telegram → chat ${message.chat_id}] ${message.text ?? ''}`);
    printed = fakeTelegram.sent.length;
  }, 500);

  stopOnSignals(kiosk, {
    before: async () => {
      clearInterval(printer);
      await fakeTelegram.close();
    },
  });
}

main().catch((error) => {
  console.error(`kiosk demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
