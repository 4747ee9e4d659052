/** `kiosk webhooks set`: tell each configured platform where Kiosk's webhooks are. */
import { UsageError, type CliCommand } from '../command';

/** `kiosk webhooks set`. */
export const webhooksSetCommand: CliCommand = {
  words: ['webhooks', 'set'],
  summary: 'Register the webhook URLs with every configured platform that has an API for it',
  description:
    'Telegram (setWebhook, with the secret token) and LINE (webhook endpoint API) are set through\n' +
    'their APIs; for WeChat and WhatsApp the URL is printed with where to enter it. The URL of a\n' +
    'bot on a platform is <base-url>/webhooks/<bot>/<platform>. Exits 1 if a platform refused.',
  options: {
    'base-url': { type: 'string', value: '<url>', description: 'Public base URL of the web processes. Default: $KIOSK_PUBLIC_URL (publicUrl)' },
    bot: { type: 'string', value: '<name>', description: 'Only this bot. Default: every configured bot' },
  },
  examples: ['kiosk webhooks set --base-url https://bots.example.com', 'kiosk webhooks set --bot taxi'],
  async run({ options, io, loadApp }) {
    const { config } = await loadApp();
    const base = typeof options['base-url'] === 'string' ? options['base-url'] : config.publicUrl;
    if (!base) throw new UsageError('say where the webhooks are: --base-url https://… (or set KIOSK_PUBLIC_URL)', 'webhooks set');
    let parsed: URL;
    try {
      parsed = new URL(base);
    } catch {
      throw new UsageError(`--base-url must be an absolute URL such as https://bots.example.com (got "${base}")`, 'webhooks set');
    }
    const root = parsed.href.replace(/\/+$/, '');
    const only = typeof options.bot === 'string' ? options.bot : undefined;
    if (only && !config.bots[only]) throw new UsageError(`no bot "${only}" is configured; configured: ${Object.keys(config.bots).join(', ') || 'none'}`, 'webhooks set');

    // Required here, not at start: see serve.ts.
    const { webhookRegistrars } = require('../webhook-registrars') as typeof import('../webhook-registrars');
    let failed = 0;
    for (const [bot, botConfig] of Object.entries(config.bots)) {
      if (only && bot !== only) continue;
      for (const [platform, settings] of Object.entries(botConfig.platforms)) {
        const url = `${root}/webhooks/${encodeURIComponent(bot)}/${encodeURIComponent(platform)}`;
        const register = webhookRegistrars[platform];
        if (!register) {
          io.out(`${bot}/${platform}: ${url} — Kiosk knows no API to register it; enter it in the platform's console.`);
          continue;
        }
        try {
          const { outcome, note } = await register(settings, url);
          io.out(`${bot}/${platform}: ${url} — ${outcome === 'registered' ? 'registered' : 'not registered by Kiosk'}: ${note}`);
        } catch (error) {
          failed++;
          io.err(`${bot}/${platform}: ${url} — FAILED: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    return failed ? 1 : 0;
  },
};
