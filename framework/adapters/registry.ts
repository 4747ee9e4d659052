/**
 * The platforms Kiosk ships with. A new platform is a folder under `adapters/` and one line
 * here (or passed to `createKiosk({ adapters })` by a business for its own platform).
 */
import type { AdapterDefinition } from './definition';
import { telegram } from './telegram/adapter';
import { webchat } from './webchat/adapter';
import { wechat } from './wechat/adapter';
import { line } from './line/adapter';
import { whatsapp } from './whatsapp/adapter';

/** Every built-in platform definition. */
export const builtinAdapters: readonly AdapterDefinition[] = [telegram, webchat, wechat, whatsapp, line];
