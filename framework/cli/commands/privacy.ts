/**
 * `kiosk privacy export|erase <platform> <user>`: a customer's data, for an access request
 * (GDPR art. 15, PIPL art. 45) or an erasure request (GDPR art. 17, PIPL art. 47). The work is
 * done by `framework/privacy` (`exportCustomerData`, `eraseCustomerData`); this is its command line.
 * The customer is found through every account linked to them (framework/identity).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KioskParts } from '../../kiosk';
import type { CliArgument, CliCommand, CliOption, CommandInput } from '../command';

// Required when the command runs, not at start: see serve.ts.
const privacy = () => require('../../privacy') as typeof import('../../privacy');

/** `--bot`: limit to one bot's data. */
const BOT_OPTION: Readonly<Record<string, CliOption>> = {
  bot: { type: 'string', value: '<name>', description: "Only this bot's data (identity links are then kept). Default: every bot" },
};

const lookupOf = (input: CommandInput) => {
  const [platform, user] = input.args as [string, string];
  return { platform, user, ...(typeof input.options.bot === 'string' ? { bot: input.options.bot } : {}) };
};

const WHO: readonly CliArgument[] = [
  { name: 'platform', description: 'The platform the customer writes from: telegram, wechat, whatsapp, line, webchat' },
  { name: 'user', description: "The customer's id on that platform (Telegram user id, WeChat OpenID, WhatsApp number, LINE user id…)" },
];

async function withParts<T>(input: CommandInput, work: (parts: KioskParts) => Promise<T>): Promise<T> {
  // Required here, not at start: see serve.ts.
  const { createKiosk } = require('../../kiosk') as typeof import('../../kiosk');
  const kiosk = createKiosk(await input.loadApp());
  try {
    return await work(kiosk);
  } finally {
    await kiosk.close();
  }
}

/** `kiosk privacy export`. */
export const privacyExportCommand: CliCommand = {
  words: ['privacy', 'export'],
  summary: "Export everything Kiosk keeps about one customer, as JSON",
  description: 'Sessions, flows, delivery records and queued jobs that concern the customer. The output\ncontains personal data: write it with --out to a place meant for it, not to a shared log.',
  args: WHO,
  options: { out: { type: 'string', value: '<file>', description: 'Write the JSON to this file (mode 600). Default: standard output' }, ...BOT_OPTION },
  examples: ['kiosk privacy export telegram 123456789 --out customer-123456789.json'],
  async run(input) {
    const data = await withParts(input, (parts) => privacy().exportCustomerData(parts, lookupOf(input)));
    const json = JSON.stringify(data, null, 2);
    if (typeof input.options.out === 'string') {
      const path = resolve(input.io.cwd, input.options.out);
      writeFileSync(path, `${json}\n`, { mode: 0o600 });
      input.io.out(`written to ${path}`);
    } else input.io.out(json);
    return 0;
  },
};

/** `kiosk privacy erase`. */
export const privacyEraseCommand: CliCommand = {
  words: ['privacy', 'erase'],
  summary: 'Erase everything Kiosk keeps about one customer',
  description: 'Removes the customer\'s sessions, flows, delivery records and pending jobs. It cannot be\nundone; export first if the request asks for a copy.',
  args: WHO,
  options: BOT_OPTION,
  examples: ['kiosk privacy erase line U4af4980629a1b2c3d4e5f60718293a4b'],
  async run(input) {
    const erased = await withParts(input, (parts) => privacy().eraseCustomerData(parts, lookupOf(input)));
    input.io.out(`erased: ${JSON.stringify(erased.counts)} (accounts linked: ${erased.accounts.length})`);
    if (erased.activeJobs > 0) {
      input.io.err(`${erased.activeJobs} job(s) of this customer were running and could not be removed; run the same command again once they finish.`);
      return 1;
    }
    return 0;
  },
};
