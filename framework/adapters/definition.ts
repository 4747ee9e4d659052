/**
 * How a platform plugs into Kiosk: its name, the zod schema of its settings, and a function
 * that builds its adapter for one bot. `registry.ts` lists the definitions Kiosk ships with.
 */
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Adapter } from './adapter';

/** What an adapter is built with besides its own settings. */
export interface AdapterEnvironment {
  /** The bot this adapter serves. */
  bot: string;
  /** A shared Redis connection for adapters that keep state (web-chat streams, tokens). */
  redis: Redis;
  /** Key prefix for everything Kiosk stores in Redis, e.g. `'kiosk'`. */
  prefix: string;
}

/** A platform: its settings schema and a factory for its adapter. */
export interface AdapterDefinition<S extends z.ZodType = z.ZodType> {
  /** The platform's name as used in configuration and webhook URLs. */
  platform: string;
  /** Schema of this platform's settings under `bots.<name>.platforms.<platform>`. */
  settings: S;
  /** Build the adapter for one bot. */
  create(settings: z.infer<S>, environment: AdapterEnvironment): Adapter;
}

/** Declare a platform definition with its settings type inferred from the schema. */
export function defineAdapter<S extends z.ZodType>(definition: AdapterDefinition<S>): AdapterDefinition<S> {
  return definition;
}
