/**
 * Loading a Kiosk application module: a file exporting `createApp()` (or a default function)
 * that returns the options of `createKiosk` — `{ config, bots, jobs, render, routers, … }`.
 * The CLI finds it at `--app <path>`, else `KIOSK_APP`, else `kiosk.app.ts` in the current
 * directory. TypeScript is compiled on the fly by tsx (registered by `bin/kiosk.js`).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../core/errors';
import type { KioskOptions } from '../kiosk';

/** The default application module, in the current directory. */
export const DEFAULT_APP = 'kiosk.app.ts';

/** Which file holds the application: `--app`, `KIOSK_APP`, or `./kiosk.app.ts`. */
export function appPath(option: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  const given = option ?? (env.KIOSK_APP || undefined) ?? DEFAULT_APP;
  return isAbsolute(given) ? given : resolve(cwd, given);
}

type AppFactory = () => KioskOptions | Promise<KioskOptions>;

/** `createApp`, or the default export (ES module or CommonJS), if it is a function. */
function factoryOf(exports: unknown): AppFactory | undefined {
  if (typeof exports === 'function') return exports as AppFactory;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const module = exports as { createApp?: unknown; default?: unknown };
  if (typeof module.createApp === 'function') return module.createApp as AppFactory;
  if (typeof module.default === 'function') return module.default as AppFactory;
  if (typeof module.default === 'object' && module.default !== null) return factoryOf(module.default);
  return undefined;
}

/**
 * Load the application module at `path` and build its options.
 *
 * @example
 * ```ts
 * const options = await loadApp(appPath(undefined, process.env, process.cwd()));
 * const kiosk = createKiosk(options);
 * ```
 */
export async function loadApp(path: string): Promise<KioskOptions> {
  if (!existsSync(path)) {
    throw new ConfigError(
      'app',
      `no Kiosk application at ${path}. Write one (a module exporting createApp() that returns the options of createKiosk), or point at it with --app <path> or KIOSK_APP.`,
    );
  }
  // The CLI runs as CommonJS with tsx's require hook, which compiles TypeScript modules.
  const exports: unknown = require(path);
  const factory = factoryOf(exports);
  if (!factory) {
    throw new ConfigError('app', `${path} exports no createApp() function (nor a default one); export a function that returns { config, bots, jobs, render }.`);
  }
  const options = await factory();
  if (typeof options !== 'object' || options === null || typeof options.config !== 'object' || !Array.isArray(options.bots)) {
    throw new ConfigError('app', `createApp() in ${path} must return the options of createKiosk: at least { config, bots: [...] }.`);
  }
  return options;
}
