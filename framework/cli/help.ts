/** The help texts of `kiosk`: the list of commands, and each command's usage and options. */
import type { CliCommand, CliOption } from './command';

/** Options every command that loads the application accepts. */
export const APP_OPTIONS: Readonly<Record<string, CliOption>> = {
  app: { type: 'string', value: '<path>', description: 'The application module (exports createApp()). Default: $KIOSK_APP, else ./kiosk.app.ts' },
};

/** The option every command accepts. */
export const HELP_OPTION: Readonly<Record<string, CliOption>> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help' },
};

const pad = (text: string, width: number) => text.padEnd(width);

function usageLine(command: CliCommand): string {
  const args = (command.args ?? []).map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`));
  const hasOptions = Object.keys(command.options ?? {}).length > 0 || command.usesApp !== false;
  return ['kiosk', ...command.words, ...args, ...(hasOptions ? ['[options]'] : [])].join(' ');
}

function optionLines(options: Record<string, CliOption>): string[] {
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ` ${option.value ?? '<value>'}` : ''}`;
    return [flag, option.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, description]) => `  ${pad(flag, width)}${description}`);
}

/** `kiosk --help`: what the CLI is for and every command, one line each. */
export function mainHelp(commands: readonly CliCommand[]): string {
  const names = commands.map((c) => usageLine(c).replace(/ \[options\]$/, '').slice('kiosk '.length));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    'kiosk: run and operate a Kiosk deployment (webhooks, workers, queues, platforms).',
    '',
    'Usage: kiosk <command> [options]',
    '',
    'Commands:',
    ...commands.map((c, i) => `  ${pad(names[i]!, width)}${c.summary}`),
    '',
    'Every command that needs the application loads it from --app <path>, $KIOSK_APP, or',
    './kiosk.app.ts: a module exporting createApp(), which returns the options of createKiosk.',
    'Configuration comes from the environment (REDIS_URL, PORT, KIOSK_PREFIX, KIOSK__<path>).',
    '',
    'Run `kiosk <command> --help` for a command\'s arguments and options.',
  ].join('\n');
}

/** `kiosk <command> --help`: usage, description, arguments, options, examples. */
export function commandHelp(command: CliCommand): string {
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary + '.'];
  if (command.description) lines.push('', command.description);
  const args = command.args ?? [];
  if (args.length) {
    const width = Math.max(...args.map((a) => a.name.length)) + 4;
    lines.push('', 'Arguments:', ...args.map((a) => `  ${pad(a.name, width)}${a.description}`));
  }
  const options = { ...(command.options ?? {}), ...(command.usesApp === false ? {} : APP_OPTIONS), ...HELP_OPTION };
  lines.push('', 'Options:', ...optionLines(options));
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** `kiosk queues` alone when it has subcommands, or `kiosk webhooks`: the commands under a word. */
export function groupHelp(word: string, commands: readonly CliCommand[]): string {
  const under = commands.filter((c) => c.words[0] === word);
  const names = under.map((c) => usageLine(c).replace(/ \[options\]$/, ''));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [`Commands of kiosk ${word}:`, ...under.map((c, i) => `  ${pad(names[i]!, width)}${c.summary}`)].join('\n');
}
