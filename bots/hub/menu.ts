/**
 * The hub's main menu: what a customer sees on /start, /menu, the "Main menu" button, when
 * the web chat page opens or when they follow the account; and what they get back when they
 * write something no service understood.
 */
import { Composer, type Context } from '../../framework/index';

/** Which services the hub offers, so the menu shows a button for each one and no other. */
export interface HubServices {
  taxi: boolean;
  bills: boolean;
  tickets: boolean;
}

/**
 * The menu's routes: mount before the services, so /start shows the hub's menu rather than
 * the first service's welcome.
 *
 * @example
 * ```ts
 * hub.use(hubMenu({ taxi: true, bills: false, tickets: false }));
 * ```
 */
export function hubMenu(services: HubServices): Composer<Context> {
  const menu = new Composer<Context>();
  const show = (ctx: Context) => ctx.reply('hub/menu', { ...services, notUnderstood: false });
  menu.command(['start', 'menu'], show);
  menu.button('hub:menu', show);
  menu.on(['event:open', 'event:subscribe'], show);
  // A WeChat custom-menu entry (or any platform menu) whose key is the menu's button data.
  menu.on('event:menu').filter((ctx) => ctx.update.event?.payload === 'hub:menu', show);
  return menu;
}

/**
 * What the hub answers to a message no service handled: "Sorry, I did not understand" and
 * the menu. Mount after every service.
 *
 * @example
 * ```ts
 * hub.use(menuFallback(services));
 * ```
 */
export function menuFallback(services: HubServices): Composer<Context> {
  const fallback = new Composer<Context>();
  fallback.on('message', (ctx) => ctx.reply('hub/menu', { ...services, notUnderstood: true }));
  return fallback;
}
