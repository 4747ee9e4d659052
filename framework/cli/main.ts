/**
 * The `kiosk` command line: finds the command named by the leading words, parses the rest
 * with `node:util` `parseArgs` (strict: an unknown option is an error), and runs it.
 *
 * Exit codes: 0 done; 1 the command failed (Redis unreachable, a platform refused…), with a
 * message saying what to do; 2 the command line is wrong (unknown command or option, missing
 * argument), with a hint to `--help`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KioskError } from '../core/errors';
import { appPath, loadApp } from './app';
import { UsageError, type CliCommand, type CliIo, type CommandResult } from './command';
import { commands } from './commands';
import { APP_OPTIONS, commandHelp, groupHelp, HELP_OPTION, mainHelp } from './help';

const processIo = (): CliIo => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
});

/** The command whose words are the longest prefix of the leading words of `argv`. */
function findCommand(argv: readonly string[]): CliCommand | undefined {
  let found: CliCommand | undefined;
  for (const command of commands) {
    const matches = command.words.every((word, i) => argv[i] === word);
    if (matches && (!found || command.words.length > found.words.length)) found = command;
  }
  return found;
}

function parse(command: CliCommand, rest: string[]) {
  const declared = { ...(command.options ?? {}), ...(command.usesApp === false ? {} : APP_OPTIONS), ...HELP_OPTION };
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, option] of Object.entries(declared)) options[name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
  const name = command.words.join(' ');
  try {
    return parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs's messages name the option ("Unknown option '--prot'"); the hint says what to do.
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new UsageError(message, name);
  }
}

function checkArgs(command: CliCommand, positionals: string[]): void {
  const args = command.args ?? [];
  const name = command.words.join(' ');
  const required = args.filter((a) => !a.optional);
  if (positionals.length < required.length) {
    throw new UsageError(`missing <${required[positionals.length]!.name}>`, name);
  }
  if (positionals.length > args.length) {
    throw new UsageError(`unexpected argument "${positionals[args.length]}"`, name);
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<CommandResult> {
  if (argv.length === 0) {
    io.err(mainHelp(commands));
    return 2;
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const target = argv[0] === 'help' && argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
    io.out(target ? commandHelp(target) : mainHelp(commands));
    return 0;
  }
  const command = findCommand(argv);
  if (!command) {
    if (commands.some((c) => c.words[0] === argv[0])) {
      if (argv[1] === '--help' || argv[1] === '-h') {
        io.out(groupHelp(argv[0]!, commands));
        return 0;
      }
      io.err(groupHelp(argv[0]!, commands));
      throw new UsageError(`"${argv.slice(0, 2).join(' ')}" is not a command; use one of those above`, argv[0]);
    }
    throw new UsageError(argv[0]!.startsWith('-') ? `give a command before options (got "${argv[0]}")` : `unknown command "${argv[0]}"`);
  }
  const parsed = parse(command, argv.slice(command.words.length));
  if (parsed.values.help) {
    io.out(commandHelp(command));
    return 0;
  }
  checkArgs(command, parsed.positionals);
  const app = typeof parsed.values.app === 'string' ? parsed.values.app : undefined;
  return command.run({
    args: parsed.positionals,
    options: parsed.values as Record<string, string | boolean | undefined>,
    io,
    loadApp: () => loadApp(appPath(app, io.env, io.cwd)),
  });
}

/**
 * Run the `kiosk` command line. Resolves with the exit code, or `'running'` when the command
 * keeps serving until a signal (then `stopOnSignals` ends the process).
 *
 * @example
 * ```ts
 * const code = await runCli(['queues', '--app', 'kiosk.app.ts']);
 * if (typeof code === 'number') process.exitCode = code;
 * ```
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<CommandResult> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command ? `kiosk ${error.command} --help` : 'kiosk --help';
      io.err(`kiosk${error.command ? ` ${error.command}` : ''}: ${error.message}. Run \`${help}\` to see what it accepts.`);
      return 2;
    }
    // Kiosk's own errors already say what to do; anything else gets its message and a hint.
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof KioskError ? '' : /ECONNREFUSED|ENOTFOUND|ETIMEDOUT/.test(message) ? ' Is Redis reachable at REDIS_URL?' : '';
    io.err(`kiosk: ${message}${hint}`);
    return 1;
  }
}
