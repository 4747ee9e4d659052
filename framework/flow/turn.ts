/**
 * One update's turn in a customer's flow: load the state, apply the answer (or an escape),
 * ask the next question, and commit the new state last, with a versioned write. Because the
 * commit comes last, a handler that dies half-way is simply run again by the inbound queue:
 * its replies and enqueues are keyed by the update, so the customer sees nothing twice; and
 * an update whose commit landed is recognised by `lastUpdate` and not applied twice.
 */
import { createHash } from 'node:crypto';
import type { Context } from '../core/context';
import { isTemplateName } from '../core/content';
import { RouterError } from '../core/errors';
import { answerOf } from './answer';
import type { Flow, FlowStep, StepControl, Transition } from './flow';
import { noticeText } from './messages';
import type { FlowEndReason, FlowState } from './state';
import { FlowConflictError, type FlowStore } from './store';
import { ENDED_FLOW_TTL_SECONDS, flowTimeout, flowTimeoutJobId } from './timeout-job';

/** The active flow of a customer, as handlers see it through `ctx.flow.active`. */
export interface ActiveFlow {
  /** The flow's name. */
  readonly flow: string;
  /** The step waiting for an answer. */
  readonly step: string;
  /** The flow's data so far. */
  readonly data: unknown;
}

// A flow as the turn handles it, whatever its data type.
type AnyFlow<C extends Context> = Flow<unknown, C>;

type Working = Omit<FlowState, 'version' | 'updatedAt'>;

function record(data: unknown): Record<string, unknown> {
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? { ...(data as Record<string, unknown>) } : { value: data };
}

/** Send a template (rendered with the flow's data) or a plain text. */
async function say(ctx: Context, content: string, data: unknown): Promise<void> {
  if (isTemplateName(content)) await ctx.reply(content, record(data));
  else await ctx.reply(content);
}

/** What a turn needs besides the context. */
export interface TurnOptions<C extends Context> {
  store: FlowStore;
  key: string;
  flows: ReadonlyMap<string, AnyFlow<C>>;
  /** How long an active flow's state is kept, s. */
  ttlSeconds: number;
}

/** The state machine of one update. */
export class FlowTurn<C extends Context> {
  readonly #ctx: C;
  readonly #options: TurnOptions<C>;
  readonly #loaded: FlowState | undefined;
  #current: Working | undefined;
  #dirty = false;
  #starts = 0;

  constructor(ctx: C, loaded: FlowState | undefined, options: TurnOptions<C>) {
    this.#ctx = ctx;
    this.#loaded = loaded;
    this.#current = loaded ? structuredClone(loaded) : undefined;
    this.#options = options;
  }

  /** The active flow after what this turn has done so far. */
  get active(): ActiveFlow | undefined {
    const current = this.#current;
    return current?.status === 'active' ? { flow: current.flow, step: current.step, data: current.data } : undefined;
  }

  /** Whether this update was already applied by an earlier run whose commit landed. */
  get alreadyApplied(): boolean {
    return this.#loaded !== undefined && this.#loaded.lastUpdate === this.#ctx.update.id;
  }

  /**
   * Handle the update as an answer to the active flow. Resolves to `true` when the flow took
   * the update, `false` when it passes on to the bot's other handlers.
   */
  async handle(): Promise<boolean> {
    const current = this.#current;
    if (current?.status !== 'active') return false;
    const flow = this.#options.flows.get(current.flow);
    const step = flow?.stepNamed(current.step);
    const data = flow?.options.data.safeParse(current.data);
    if (!flow || !step || !data?.success) {
      // Written by a version of the bot that had this flow or step, or other data: end it quietly.
      console.warn(`kiosk: flow "${current.flow}" at step "${current.step}" of bot "${this.#ctx.bot}" is no longer served as stored; ending it`);
      this.#end('stale');
      return false;
    }
    current.data = data.data;
    if (this.#isEscape(flow)) {
      this.#end('cancel');
      await this.#sayCancelled(flow);
      return true;
    }
    const answer = answerOf(this.#ctx.update);
    if (!answer) return false;
    if (answer.kind === 'button' && !step.expect.includes('button')) return false;
    const parsed = step.expect.includes(answer.kind) ? step.schema.safeParse(answer.value) : undefined;
    this.#dirty = true;
    if (!parsed?.success) {
      await this.#invalid(flow, step);
      return true;
    }
    const transition = (await step.answer(this.#ctx, parsed.data, this.#control(flow, current))) ?? { kind: 'next' };
    await this.#apply(flow, transition);
    return true;
  }

  /** Start a flow, ending the active one; asks the flow's first step. */
  async start(flow: AnyFlow<C>, data?: unknown): Promise<void> {
    if (this.#options.flows.get(flow.name) !== flow) {
      throw new RouterError(`Flow "${flow.name}" is not served by this bot; pass it to flows([...]) before starting it.`);
    }
    const first = flow.firstStep();
    const seed = `${this.#options.key}|${this.#ctx.update.id}|${this.#starts++}`;
    this.#current = {
      status: 'active',
      flow: flow.name,
      run: createHash('sha1').update(seed).digest('hex').slice(0, 16),
      step: first,
      history: [],
      data: data === undefined ? flow.options.initial() : structuredClone(data),
    };
    this.#dirty = true;
    await this.#ask(flow, first);
  }

  /** End the active flow without a message; resolves to whether there was one. */
  cancel(): boolean {
    if (this.#current?.status !== 'active') return false;
    this.#end('cancel');
    return true;
  }

  /**
   * Write what this turn changed: the new timeout first (a stray one is harmless), then the
   * state if nobody wrote since it was loaded, then the removal of the old timeout.
   */
  async commit(): Promise<void> {
    if (!this.#dirty || !this.#current) return;
    const ctx = this.#ctx;
    const expected = this.#loaded?.version ?? 0;
    const { timeoutJob: _previous, ...rest } = this.#current;
    const next: FlowState = { ...rest, version: expected + 1, lastUpdate: ctx.update.id, updatedAt: Date.now() };
    const flow = this.#options.flows.get(next.flow);
    const idle = next.status === 'active' ? flow?.idleTimeoutMs : undefined;
    if (flow && idle !== undefined) {
      const jobId = flowTimeoutJobId(next.run, next.version);
      const said = flow.options.messages?.timedOut;
      const message = said === false ? null : (said ?? noticeText('timedOut', ctx.locale));
      next.timeoutJob = await ctx.enqueue(flowTimeout, { key: this.#options.key, run: next.run, version: next.version, message, data: record(next.data) }, { delay: idle, jobId });
    }
    const ttl = next.status === 'active' ? this.#options.ttlSeconds : ENDED_FLOW_TTL_SECONDS;
    if (!(await this.#options.store.writeFlow(this.#options.key, next, expected, ttl))) {
      throw new FlowConflictError(`The flow of ${ctx.bot} on ${ctx.platform} changed while update ${ctx.update.id} was handled (its lease ran out); the update was not applied to it.`);
    }
    const old = this.#loaded?.status === 'active' ? this.#loaded.timeoutJob : undefined;
    if (old && old !== next.timeoutJob) await ctx.cancel(flowTimeout, old).catch(() => false);
  }

  #isEscape(flow: AnyFlow<C>): boolean {
    const { update } = this.#ctx;
    const escapes = flow.options.cancel ?? {};
    if (update.kind === 'button') return (escapes.buttons ?? []).includes(update.button?.data ?? '');
    const command = update.message?.command;
    if (command) return (escapes.commands ?? ['cancel']).map((c) => c.toLowerCase()).includes(command.name);
    const text = update.message?.text?.trim().toLowerCase();
    return text !== undefined && (escapes.texts ?? []).some((t) => t.trim().toLowerCase() === text);
  }

  #control(flow: AnyFlow<C>, current: Working): StepControl<unknown> {
    return {
      get data() {
        return current.data;
      },
      set data(value) {
        current.data = value;
      },
      step: current.step,
      next: () => ({ kind: 'next' }),
      goTo: (step) => {
        if (!flow.stepNamed(step)) throw new RouterError(`Flow "${flow.name}" has no step "${step}"; its steps are ${flow.stepNames.join(', ')}.`);
        return { kind: 'goto', step };
      },
      back: () => ({ kind: 'back' }),
      retry: (message) => (message === undefined ? { kind: 'retry' } : { kind: 'retry', message }),
      finish: () => ({ kind: 'finish' }),
      cancel: () => ({ kind: 'cancel' }),
    };
  }

  async #apply(flow: AnyFlow<C>, transition: Transition): Promise<void> {
    const current = this.#current!;
    switch (transition.kind) {
      case 'next': {
        const after = flow.stepAfter(current.step);
        if (after === undefined) return this.#end('finish');
        return this.#enter(flow, after);
      }
      case 'goto':
        return this.#enter(flow, transition.step);
      case 'back': {
        const previous = current.history.pop();
        if (previous !== undefined) current.step = previous;
        return this.#ask(flow, current.step);
      }
      case 'retry':
        if (transition.message !== undefined) await say(this.#ctx, transition.message, current.data);
        return this.#ask(flow, current.step);
      case 'finish':
        return this.#end('finish');
      case 'cancel':
        this.#end('cancel');
        return this.#sayCancelled(flow);
    }
  }

  async #enter(flow: AnyFlow<C>, step: string): Promise<void> {
    const current = this.#current!;
    current.history.push(current.step);
    current.step = step;
    await this.#ask(flow, step);
  }

  async #ask(flow: AnyFlow<C>, name: string): Promise<void> {
    const step = flow.stepNamed(name)!;
    const data = this.#current!.data;
    if (typeof step.ask === 'string') await say(this.#ctx, step.ask, data);
    else await step.ask(this.#ctx, data as Readonly<unknown> & object);
  }

  async #invalid(flow: AnyFlow<C>, step: FlowStep<unknown, C>): Promise<void> {
    const data = this.#current!.data;
    // A step's own message re-asks by itself; a generic notice is followed by the question.
    if (step.invalid !== undefined) return say(this.#ctx, step.invalid, data);
    await say(this.#ctx, flow.options.messages?.invalid ?? noticeText('invalid', this.#ctx.locale), data);
    await this.#ask(flow, step.name);
  }

  async #sayCancelled(flow: AnyFlow<C>): Promise<void> {
    const said = flow.options.messages?.cancelled;
    if (said === false) return;
    await say(this.#ctx, said ?? noticeText('cancelled', this.#ctx.locale), this.#current?.data);
  }

  #end(reason: FlowEndReason): void {
    if (!this.#current) return;
    this.#current = { ...this.#current, status: 'ended', endedBy: reason };
    this.#dirty = true;
  }
}
