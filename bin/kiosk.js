#!/usr/bin/env node
/**
 * The `kiosk` command. It runs in this very process (no child), so SIGTERM and SIGKILL reach
 * the process that holds the jobs: tsx's CommonJS hook is registered here and the TypeScript
 * CLI, and the application module it loads (`kiosk.app.ts`), are compiled as they are required.
 */
'use strict';

require('tsx/cjs/api').register();
const { runCli } = require('../framework/cli/main.ts');

runCli(process.argv.slice(2)).then(
  (code) => {
    // A command that serves or works ('running') keeps the process up until a signal stops it.
    // A finished one exits now, even if a failed start left a connection open. (Writes to
    // pipes and files are synchronous on Linux and macOS, so nothing printed is lost.)
    if (typeof code === 'number') process.exit(code);
  },
  (error) => {
    process.stderr.write(`kiosk: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
