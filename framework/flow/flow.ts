/**
 * A flow: a conversation of several steps (order a taxi, link a bill account, choose seats)
 * written as a list of named steps. Each step asks a question, says which answers it expects
 * (text, button, location, media), validates the answer with a zod schema, and decides where
 * to go next.
 *
 * Why named steps and not replay. grammY's conversations plugin lets you write a dialogue as
 * one async function (`await conversation.wait()`), and resumes it by re-running the function
 * from the top, replaying every earlier update; code that behaves differently between runs
 * (an API call, `Date.now()`, a random number) must be wrapped in `conversation.external`
 * (https://grammy.dev/plugins/conversations). That is pleasant to read but fragile where Kiosk
 * must be strong: the stored history grows with every answer, a deploy that changes the
 * function while customers are mid-dialogue makes old histories replay into different code,
 * and every replay repeats side effects unless the author remembers the rule. Telegraf's
 * `WizardScene` keeps only a cursor into a list of step handlers
 * (https://telegraf.js.org/classes/Scenes.WizardContextWizard.html): state is tiny, a step
 * runs once per answer, but steps are anonymous indexes and validation is left to the author.
 * Kiosk takes the wizard's model (what is stored is `{ step, data }`, small JSON, versioned
 * per write), names the steps so a deploy may add or reorder them without breaking customers
 * who are mid-flow, and builds in what each wizard re-invents: typed answers, zod validation
 * with a re-ask, back, cancel and an idle timeout.
 *
 * @see https://grammy.dev/plugins/conversations
 * @see https://telegraf.js.org/classes/Scenes.WizardContextWizard.html
 */
import type { z } from 'zod';
import type { Context } from '../core/context';
import { RouterError } from '../core/errors';
import type { AnswerKind, AnswerValues } from './answer';

/** What a step's answer handler returns: where the flow goes next. Made by `StepControl`. */
export type Transition =
  | { readonly kind: 'next' }
  | { readonly kind: 'goto'; readonly step: string }
  | { readonly kind: 'back' }
  | { readonly kind: 'retry'; readonly message?: string }
  | { readonly kind: 'finish' }
  | { readonly kind: 'cancel' };

/**
 * What an answer handler gets besides the context and the answer: the flow's data to read
 * and change, and the transitions to return.
 */
export interface StepControl<D> {
  /** The flow's data; change it in place, it is saved with the transition. */
  data: D;
  /** The step being answered. */
  readonly step: string;
  /** Go to the step declared after this one (finish after the last). */
  next(): Transition;
  /** Go to a named step: branching. */
  goTo(step: string): Transition;
  /** Go back to the step asked before this one and ask it again. */
  back(): Transition;
  /** Stay on this step and ask again, after an optional message (a template name or text): a check the schema cannot make. */
  retry(message?: string): Transition;
  /** End the flow: its work is done. */
  finish(): Transition;
  /** End the flow as if the customer had cancelled, with the flow's cancel message. */
  cancel(): Transition;
}

/** The values a step receives before its schema: the union over the kinds it expects. */
export type ExpectedValue<K extends AnswerKind> = AnswerValues[K];

/**
 * One step of a flow.
 *
 * @typeParam D - the flow's data
 * @typeParam C - the bot's context type
 * @typeParam S - the answer's schema; the handler receives its output
 */
export interface StepDefinition<D, C extends Context, S extends z.ZodType> {
  /**
   * The question: a template name (rendered with the flow's data) or a function that sends
   * it. Asked when the step is entered, and again after an invalid answer.
   */
  ask: string | ((ctx: C, data: Readonly<D>) => unknown);
  /** Which kinds of answer the step takes; a button the step does not expect passes on to the bot's other handlers. @defaultValue `'text'` */
  expect?: AnswerKind | readonly AnswerKind[];
  /**
   * Validates the answer: a text or button data is a `string`, a location a `Location`, media
   * a `Media[]`. Its output is what `answer` receives (so `.trim()` and `.transform()` apply).
   */
  schema: S;
  /**
   * Sent when the answer does not fit (wrong kind, or refused by the schema): a template name
   * (rendered with the flow's data) or a text. It should re-ask, e.g. "Please type an
   * address or share your location." Without it, a built-in notice is sent, then `ask` again.
   */
  invalid?: string;
  /** Handles a valid answer and returns where to go. Returning nothing means `next()`. */
  answer(ctx: C, value: z.output<S>, step: StepControl<D>): Transition | void | Promise<Transition | void>;
}

/** A step as the runtime keeps it. */
export interface FlowStep<D, C extends Context> {
  readonly name: string;
  readonly ask: string | ((ctx: C, data: Readonly<D>) => unknown);
  readonly expect: readonly AnswerKind[];
  readonly schema: z.ZodType;
  readonly invalid?: string;
  answer(ctx: C, value: unknown, step: StepControl<D>): Transition | void | Promise<Transition | void>;
}

/** How a customer leaves a flow at any step. */
export interface FlowEscapes {
  /** Commands that cancel, without the slash. @defaultValue `['cancel']` */
  commands?: readonly string[];
  /** Button data that cancels (the localized "Cancel" buttons of the flow's templates). @defaultValue `[]` */
  buttons?: readonly string[];
  /** Texts that cancel, compared trimmed and case-insensitively, e.g. `['cancel', 'annuler', '取消']`. @defaultValue `[]` */
  texts?: readonly string[];
}

/** What a flow says when it is cancelled or abandoned, and on an invalid answer without a step's own message. */
export interface FlowMessages {
  /** After a cancel: a template name or text; `false` says nothing. @defaultValue a built-in "Cancelled." in en, fr, zh */
  cancelled?: string | false;
  /** When the idle timeout ends the flow: a template name or text; `false` says nothing. @defaultValue a built-in notice in en, fr, zh */
  timedOut?: string | false;
  /** On an invalid answer at a step that has no `invalid` of its own. @defaultValue a built-in notice in en, fr, zh */
  invalid?: string;
}

/** Options of a flow. */
export interface FlowOptions<D> {
  /** The schema of the flow's data. Data stored by an older bot that no longer fits ends the flow quietly instead of crashing. */
  data: z.ZodType<D>;
  /** The data of a new run; `ctx.flow.start(flow, data)` may give its own. */
  initial: () => D;
  /** End the flow when the customer has not answered for this long (ms); `false` never. @defaultValue 1800000 (30 minutes) */
  idleTimeoutMs?: number | false;
  /** How a customer leaves the flow at any step. */
  cancel?: FlowEscapes;
  /** What the flow says on cancel, timeout and invalid answers. */
  messages?: FlowMessages;
}

/**
 * A multi-step conversation, declared once at module level and started from any handler
 * with `ctx.flow.start(flow)`. Steps run in the order they are declared unless a step
 * branches with `goTo`. Serve it with the `flows()` middleware.
 *
 * @example
 * ```ts
 * const linkAccount = new Flow<{ account?: string }, BillsContext>('bills.link', {
 *   data: z.object({ account: z.string().optional() }),
 *   initial: () => ({}),
 *   cancel: { buttons: ['bills:cancel'] },
 * });
 * linkAccount.step('account', {
 *   ask: 'bills/ask-account',
 *   schema: z.string().trim().regex(/^\d{8}$/),
 *   invalid: 'bills/account-format',
 *   answer(ctx, account, step) {
 *     step.data.account = account;
 *   },
 * });
 * linkAccount.step('confirm', {
 *   ask: 'bills/confirm-account',
 *   expect: 'button',
 *   schema: z.enum(['bills:yes', 'bills:no']),
 *   async answer(ctx, choice, step) {
 *     if (choice === 'bills:no') return step.back();
 *     await ctx.enqueue(linkJob, { account: step.data.account! });
 *     return step.finish();
 *   },
 * });
 * bot.use(flows([linkAccount]));
 * bot.command('link', (ctx) => ctx.flow.start(linkAccount));
 * ```
 */
export class Flow<D, C extends Context = Context> {
  /** The flow's name, stored with each customer's state: keep it stable across deploys. */
  readonly name: string;
  /** The flow's options. */
  readonly options: FlowOptions<D>;
  readonly #steps = new Map<string, FlowStep<D, C>>();

  constructor(name: string, options: FlowOptions<D>) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new RouterError(`Flow name "${name}" is invalid: use 1 to 64 letters, digits, '.', '_' or '-' (it is stored with each customer's state).`);
    }
    if (options.idleTimeoutMs !== undefined && options.idleTimeoutMs !== false && !(options.idleTimeoutMs > 0)) {
      throw new RouterError(`Flow "${name}": idleTimeoutMs must be a positive number of milliseconds, or false for no timeout.`);
    }
    this.name = name;
    this.options = options;
  }

  /**
   * Declare the next step. Its name is stored while a customer is on it: keep it stable
   * across deploys (a renamed step ends the flows that were waiting on it).
   */
  step<S extends z.ZodType>(name: string, definition: StepDefinition<D, C, S>): this {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new RouterError(`Flow "${this.name}": step name "${name}" is invalid: use letters, digits, '.', '_' or '-'.`);
    if (this.#steps.has(name)) throw new RouterError(`Flow "${this.name}" already has a step "${name}"; give each step its own name.`);
    const expect = definition.expect === undefined ? ['text' as const] : typeof definition.expect === 'string' ? [definition.expect] : [...definition.expect];
    if (expect.length === 0) throw new RouterError(`Flow "${this.name}", step "${name}": expect at least one kind of answer.`);
    this.#steps.set(name, {
      name,
      ask: definition.ask,
      expect,
      schema: definition.schema,
      ...(definition.invalid !== undefined ? { invalid: definition.invalid } : {}),
      answer: definition.answer as FlowStep<D, C>['answer'],
    });
    return this;
  }

  /** The step names, in declaration order. */
  get stepNames(): string[] {
    return [...this.#steps.keys()];
  }

  /** A step by name. */
  stepNamed(name: string): FlowStep<D, C> | undefined {
    return this.#steps.get(name);
  }

  /** The step declared after `name`, or `undefined` after the last. */
  stepAfter(name: string): string | undefined {
    const names = this.stepNames;
    return names[names.indexOf(name) + 1];
  }

  /** The first step; a flow without steps cannot start. */
  firstStep(): string {
    const first = this.stepNames[0];
    if (first === undefined) throw new RouterError(`Flow "${this.name}" has no steps; declare them with flow.step(name, { ask, schema, answer }).`);
    return first;
  }

  /** The idle timeout in ms, or `undefined` for none. */
  get idleTimeoutMs(): number | undefined {
    const value = this.options.idleTimeoutMs;
    return value === false ? undefined : (value ?? 30 * 60_000);
  }
}
