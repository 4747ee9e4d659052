/** Every `kiosk` command, in the order `kiosk --help` lists them. */
import type { CliCommand } from './command';
import { menuPublishCommand } from './commands/menu';
import { privacyEraseCommand, privacyExportCommand } from './commands/privacy';
import { queuesCommand, queuesFailedCommand, queuesRemoveCommand, queuesRetryCommand } from './commands/queues';
import { startCommand } from './commands/start';
import { webCommand } from './commands/web';
import { webhooksSetCommand } from './commands/webhooks';
import { workerCommand } from './commands/worker';

/** The command table. */
export const commands: readonly CliCommand[] = [
  startCommand,
  webCommand,
  workerCommand,
  webhooksSetCommand,
  menuPublishCommand,
  queuesCommand,
  queuesFailedCommand,
  queuesRetryCommand,
  queuesRemoveCommand,
  privacyExportCommand,
  privacyEraseCommand,
];
