/**
 * Linking a customer account to a conversation, as a flow: the account number (checked
 * against the records), then the supply address's postcode to prove the customer owns it.
 * A wrong answer is re-asked; after `maxFailures` wrong answers in one go the flow ends, so
 * the pair cannot be guessed by trying postcodes one after another in a single flow.
 */
import { Flow, z, type Context, type FlowFlavor } from '../../framework/index';
import type { BillsStore } from './store';

/** The bills bot's context: it needs `flows()` upstream (and nothing of a session). */
export type BillsContext = Context & FlowFlavor;

const linkData = z.object({ account: z.string().optional(), failures: z.number().int().min(0) });
/** What the link flow collects. */
export type LinkData = z.infer<typeof linkData>;

/** An account number as customers type it (`acc 1001`, `ACC-1001`), normalised to `ACC-1001`. */
export const accountNumber = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^ACC[\s-]?\d{4,10}$/)
  .transform((value) => `ACC-${value.replace(/^ACC[\s-]?/, '')}`);

/** A postcode: 2 to 12 letters, digits, spaces or dashes. */
export const postcode = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/);

/** Options of the link flow. */
export interface LinkFlowOptions {
  /** End a link left unanswered for this long, ms. @defaultValue 600000 (10 minutes) */
  idleTimeoutMs?: number;
  /** Wrong account numbers and postcodes accepted in one flow before it ends. @defaultValue 3 */
  maxFailures?: number;
}

/**
 * The link flow, around the store that holds the accounts.
 *
 * @example
 * ```ts
 * const link = createLinkFlow(store);
 * bot.use(flows([link]));
 * bot.button('bills:link', (ctx) => ctx.flow.start(link));
 * ```
 */
export function createLinkFlow(store: BillsStore, options: LinkFlowOptions = {}): Flow<LinkData, BillsContext> {
  const maxFailures = options.maxFailures ?? 3;
  const link = new Flow<LinkData, BillsContext>('bills.link', {
    data: linkData,
    initial: () => ({ failures: 0 }),
    idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
    cancel: { buttons: ['bills:cancel'], texts: ['cancel', 'annuler', '取消'] },
    messages: { cancelled: 'bills/link-cancelled', timedOut: 'bills/link-timed-out', invalid: 'bills/not-understood' },
  });

  /** Count a wrong answer; after too many, say so and resolve `true`: the flow ends. */
  const tooMany = async (ctx: BillsContext, data: LinkData): Promise<boolean> => {
    data.failures += 1;
    if (data.failures < maxFailures) return false;
    await ctx.reply('bills/link-refused', {});
    return true;
  };

  link.step('account', {
    ask: 'bills/ask-account',
    schema: accountNumber,
    invalid: 'bills/account-format',
    async answer(ctx, account, step) {
      if (!(await store.account(account))) {
        return (await tooMany(ctx, step.data)) ? step.finish() : step.retry('bills/unknown-account');
      }
      step.data.account = account;
    },
  });

  link.step('postcode', {
    ask: 'bills/ask-postcode',
    schema: postcode,
    invalid: 'bills/postcode-format',
    async answer(ctx, code, step) {
      const number = step.data.account ?? '';
      const account = await store.account(number);
      if (!account || !(await store.checkPostcode(number, code))) {
        return (await tooMany(ctx, step.data)) ? step.finish() : step.retry('bills/wrong-postcode');
      }
      await store.link(ctx.conversation, account.number);
      await ctx.reply('bills/linked', { account: account.number, name: account.name });
      return step.finish();
    },
  });

  return link;
}
