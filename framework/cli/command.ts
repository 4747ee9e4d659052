/**
 * What a `kiosk` command is: its words, its help, its arguments and options (declared the way
 * `node:util` `parseArgs` wants them, plus a description), and the function that runs it.
 * `commands.ts` lists them; `main.ts` parses the command line against that table.
 */
import type { KioskOptions } from '../kiosk';
import { KioskError } from '../core/errors';

/** One option of a command, e.g. `--base-url <url>`. */
export interface CliOption {
  /** `'string'` takes a value; `'boolean'` is a flag. */
  type: 'string' | 'boolean';
  /** A one-letter alias, e.g. `'h'` for `--help`. */
  short?: string;
  /** Shown in help: what the option does, with its default. */
  description: string;
  /** The value's placeholder in help, e.g. `'<url>'`. @defaultValue `'<value>'` */
  value?: string;
}

/** One positional argument, e.g. `<queue>`. */
export interface CliArgument {
  name: string;
  description: string;
  /** Optional arguments are shown as `[name]`. @defaultValue false */
  optional?: boolean;
}

/** Where a command writes and what it may read of its process. */
export interface CliIo {
  /** Print a line for the user (standard output). */
  out(line: string): void;
  /** Print a warning or error line (standard error). */
  err(line: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** What a command is given once its command line has been parsed. */
export interface CommandInput {
  /** Positional arguments after the command's words, in order. */
  args: string[];
  /** Option values by long name; absent options are `undefined`. */
  options: Record<string, string | boolean | undefined>;
  io: CliIo;
  /** Load the application module (`--app`, `KIOSK_APP` or `./kiosk.app.ts`). */
  loadApp(): Promise<KioskOptions>;
}

/**
 * How a command ended: an exit code, or `'running'` for a command that serves or works until
 * a signal stops it (`start`, `web`, `worker`).
 */
export type CommandResult = number | 'running';

/**
 * A `kiosk` command.
 *
 * @example
 * ```ts
 * const hello: CliCommand = {
 *   words: ['hello'],
 *   summary: 'Say hello',
 *   run: async ({ io }) => (io.out('hello'), 0),
 * };
 * ```
 */
export interface CliCommand {
  /** The words that name it, e.g. `['webhooks', 'set']`. */
  words: readonly string[];
  /** One line, shown in the list of commands. */
  summary: string;
  /** Paragraphs shown by `kiosk <command> --help`. */
  description?: string;
  args?: readonly CliArgument[];
  options?: Readonly<Record<string, CliOption>>;
  /** Command lines shown under "Examples". */
  examples?: readonly string[];
  /** Whether the command loads the application module (and so accepts `--app`). @defaultValue true */
  usesApp?: boolean;
  run(input: CommandInput): Promise<CommandResult>;
}

/** A command line the CLI cannot run as written: printed with a hint, exit code 2. */
export class UsageError extends KioskError {
  /** The command it concerns, for the `kiosk <command> --help` hint; empty for the CLI as a whole. */
  readonly command: string;

  constructor(message: string, command = '') {
    super('KIOSK_CLI_USAGE', message);
    this.command = command;
  }
}
