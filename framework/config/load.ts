/**
 * Loads and validates Kiosk's configuration from a JSON file, an object in code, and the
 * environment (in increasing priority). Every failure names the setting; none prints a value,
 * because values are often secrets.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../core/errors';
import { configSchema, type KioskConfig, type KioskConfigInput } from './schema';

/** Where configuration comes from. */
export interface LoadConfigOptions {
  /** Environment variables. @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** A JSON file. @defaultValue `env.KIOSK_CONFIG` */
  file?: string;
  /** Configuration in code; the environment overrides it. */
  object?: Partial<KioskConfigInput>;
  /** Platform definitions whose settings schemas validate `bots.*.platforms.*`. */
  adapters: ReadonlyArray<{ platform: string; settings: z.ZodType }>;
}

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isTree(value) && isTree(out[key]) ? merge(out[key] as Tree, value) : value;
  }
  return out;
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const segment of path.slice(0, -1)) {
    if (!isTree(node[segment])) node[segment] = {};
    node = node[segment] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

/** `KIOSK__bots__taxi__platforms__telegram__token=…` and the few well-known variables. */
function fromEnv(env: NodeJS.ProcessEnv): Tree {
  const tree: Tree = {};
  const known: Record<string, string> = { REDIS_URL: 'redisUrl', PORT: 'port', KIOSK_PREFIX: 'prefix', KIOSK_PUBLIC_URL: 'publicUrl' };
  for (const [name, key] of Object.entries(known)) if (env[name] !== undefined && env[name] !== '') tree[key] = env[name];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('KIOSK__') || value === undefined) continue;
    const path = name.slice('KIOSK__'.length).split('__').filter(Boolean);
    if (path.length) setPath(tree, path, value);
  }
  return tree;
}

function fromFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('', `cannot read the configuration file ${path}; check KIOSK_CONFIG.`, { cause: error });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isTree(parsed)) throw new Error('not an object');
    return parsed;
  } catch (error) {
    throw new ConfigError('', `the configuration file ${path} is not a JSON object.`, { cause: error });
  }
}

function fail(issues: Array<{ path: string; message: string }>): never {
  const first = issues[0]!;
  const rest = issues.slice(1).map((i) => `; ${i.path || '(root)'}: ${i.message}`).join('');
  throw new ConfigError(first.path, `${first.message}${rest}`);
}

/**
 * Load, merge and validate the configuration.
 *
 * @example
 * ```ts
 * const config = loadConfig({ adapters: builtinAdapters });
 * // REDIS_URL=redis://… KIOSK__bots__taxi__platforms__telegram__token=… node app.js
 * ```
 */
export function loadConfig(options: LoadConfigOptions): KioskConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.KIOSK_CONFIG;
  let tree: Tree = file ? fromFile(file) : {};
  if (options.object) tree = merge(tree, options.object as Tree);
  tree = merge(tree, fromEnv(env));

  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    // zod messages describe the expectation, never the received value.
    fail(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
  }
  const config = parsed.data;
  const definitions = new Map(options.adapters.map((a) => [a.platform, a.settings]));
  const issues: Array<{ path: string; message: string }> = [];
  for (const [bot, botConfig] of Object.entries(config.bots)) {
    for (const [platform, settings] of Object.entries(botConfig.platforms)) {
      const base = `bots.${bot}.platforms.${platform}`;
      const schema = definitions.get(platform);
      if (!schema) {
        issues.push({ path: base, message: `unknown platform "${platform}"; known platforms are ${[...definitions.keys()].join(', ')}` });
        continue;
      }
      const result = schema.safeParse(settings);
      if (result.success) botConfig.platforms[platform] = result.data;
      else for (const issue of result.error.issues) issues.push({ path: [base, ...issue.path.map(String)].join('.'), message: issue.message });
    }
  }
  if (issues.length) fail(issues);
  return config;
}
