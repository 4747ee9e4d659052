/**
 * The flow engine on one process with the memory store: steps, validation and re-asking,
 * branching, back, retry, finish, escapes, one flow per customer, and what passes through.
 */
import { Bot, Flow, flows, MemoryFlowStore, RouterError, z, type Context, type FlowFlavor } from '../../framework/index';
import { harness, type Harness } from './harness';
import { createSeatsBot, createSeatsFlow, type SeatsContext } from './seats-flow';

describe('flows', () => {
  let h: Harness;
  let bot: Bot<SeatsContext>;
  let store: MemoryFlowStore;
  const send = async (update: ReturnType<Harness['text']>) => {
    const before = h.replies.length;
    await bot.handleUpdate(update, h.services);
    return h.replies.slice(before);
  };

  beforeEach(() => {
    h = harness();
    store = new MemoryFlowStore();
    bot = createSeatsBot({ flows: { store } });
  });

  test('a flow asks each step in order and finishes with the collected data', async () => {
    expect(await send(h.text('1', '/seats'))).toEqual(['How many seats?']);
    expect(await send(h.text('1', '3'))).toEqual(['3 seats. Which section?']);
    expect(await send(h.press('1', 'seat:stalls'))).toEqual(['Whose name is the booking under?']);
    expect(await send(h.text('1', 'Ada'))).toEqual(['Booked 3 seats in the stalls for Ada.']);
    expect(await send(h.text('1', 'hello'))).toEqual(['Echo: hello']);
    expect((await store.readFlow('seats:test:1:1'))?.status).toBe('ended');
  });

  test('an answer the schema refuses is re-asked with the step\'s message and does not advance', async () => {
    await send(h.text('1', '/seats'));
    expect(await send(h.text('1', 'nine'))).toEqual(['Please send a number from 1 to 6.']);
    expect(await send(h.text('1', '9'))).toEqual(['Please send a number from 1 to 6.']);
    expect(await send(h.text('1', '/where'))).toEqual(['At count']);
    expect(await send(h.text('1', '2'))).toEqual(['2 seats. Which section?']);
  });

  test('an answer of the wrong kind gets the built-in notice in the customer\'s language, then the question again', async () => {
    await send(h.text('1', '/seats'));
    await send(h.text('1', '2'));
    expect(await send(h.text('1', 'balcony please', 'fr'))).toEqual(['Désolés, nous ne pouvons pas utiliser cette réponse ici.', '2 seats. Which section?']);
    expect(await send(h.location('1', 1, 2))).toEqual(['Sorry, that is not an answer I can use here.', '2 seats. Which section?']);
  });

  test('a step branches with goTo, and back returns to the step asked before', async () => {
    await send(h.text('1', '/seats'));
    await send(h.text('1', '4'));
    expect(await send(h.press('1', 'seat:back'))).toEqual(['How many seats?']);
    expect(await send(h.text('1', '2'))).toEqual(['2 seats. Which section?']);
    expect(await send(h.press('1', 'seat:balcony'))).toEqual(['Which balcony row, A to C?']);
    expect(await send(h.text('1', 'b'))).toEqual(['Whose name is the booking under?']);
    expect(await send(h.text('1', 'nobody'))).toEqual(['That is not a name.', 'Whose name is the booking under?']);
    expect(await send(h.text('1', 'Grace'))).toEqual(['Booked 2 seats in the balcony row B for Grace.']);
  });

  test('/cancel, the cancel button and a cancel word leave the flow at any step', async () => {
    await send(h.text('1', '/seats'));
    expect(await send(h.text('1', '/cancel'))).toEqual(['Booking cancelled.']);
    expect(await send(h.text('1', '/cancel'))).toEqual(['Nothing to cancel.']);
    await send(h.text('1', '/seats'));
    await send(h.text('1', '2'));
    expect(await send(h.press('1', 'seat:cancel'))).toEqual(['Booking cancelled.']);
    await send(h.text('1', '/seats'));
    expect(await send(h.text('1', '  Arrête '))).toEqual(['Booking cancelled.']);
    expect(await send(h.text('1', '5'))).toEqual(['Echo: 5']);
    expect((await store.readFlow('seats:test:1:1'))?.endedBy).toBe('cancel');
  });

  test('commands and buttons a step does not expect pass on to the bot\'s other handlers', async () => {
    await send(h.text('1', '/seats'));
    expect(await send(h.text('1', '/where'))).toEqual(['At count']);
    expect(await send(h.press('1', 'menu:open'))).toEqual(['Button menu:open outside the flow.']);
    expect(await send(h.text('1', '1'))).toEqual(['1 seats. Which section?']);
  });

  test('starting a flow again ends the old run: one flow per customer', async () => {
    await send(h.text('1', '/seats'));
    await send(h.text('1', '5'));
    expect(await send(h.text('1', '/seats'))).toEqual(['How many seats?']);
    const state = await store.readFlow('seats:test:1:1');
    expect(state).toMatchObject({ status: 'active', step: 'count', data: {}, history: [] });
  });

  test('customers have their own flows', async () => {
    await send(h.text('1', '/seats'));
    await send(h.text('2', '/seats'));
    await send(h.text('1', '2'));
    expect(await send(h.text('2', 'x'))).toEqual(['Please send a number from 1 to 6.']);
    expect(await send(h.text('2', '6'))).toEqual(['6 seats. Which section?']);
  });

  test('an update handled again after its state was saved is not applied twice', async () => {
    await send(h.text('1', '/seats'));
    const answer = h.text('1', '2');
    await send(answer);
    expect(await send(answer)).toEqual([]);
    expect((await store.readFlow('seats:test:1:1'))?.step).toBe('section');
  });

  test('a stored flow whose step no longer exists ends quietly and the update passes on', async () => {
    await send(h.text('1', '/seats'));
    const state = (await store.readFlow('seats:test:1:1'))!;
    await store.writeFlow('seats:test:1:1', { ...state, step: 'removed-step', version: state.version + 1 }, state.version, 60);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await send(h.text('1', 'hi'))).toEqual(['Echo: hi']);
    warn.mockRestore();
    expect((await store.readFlow('seats:test:1:1'))?.endedBy).toBe('stale');
  });

  test('each answer schedules a new idle timeout for the new version and removes the previous one', async () => {
    bot = createSeatsBot({ flows: { store }, idleTimeoutMs: 60_000 });
    await send(h.text('1', '/seats'));
    await send(h.text('1', '2'));
    expect(h.enqueued.map((e) => [e.job, e.options.delay, e.options.jobId])).toEqual([
      ['kiosk.flow-timeout', 60_000, expect.stringMatching(/^flow-timeout-[0-9a-f]{16}-1$/)],
      ['kiosk.flow-timeout', 60_000, expect.stringMatching(/^flow-timeout-[0-9a-f]{16}-2$/)],
    ]);
    expect(h.cancelled).toEqual([h.enqueued[0]!.options.jobId]);
    expect(h.enqueued[1]!.data).toMatchObject({ key: 'seats:test:1:1', version: 2, message: 'Your booking timed out.', data: { count: 2 } });
    await send(h.text('1', '/cancel'));
    expect(h.enqueued).toHaveLength(2);
    expect(h.cancelled).toEqual([h.enqueued[0]!.options.jobId, h.enqueued[1]!.options.jobId]);
  });

  test('a flow must be served by flows() before it starts, and misuse is refused with a clear error', async () => {
    const other = createSeatsFlow();
    const lonely = new Bot<Context & FlowFlavor>('lonely');
    lonely.use(flows([], { store }));
    let caught: unknown;
    lonely.catch((error) => {
      caught = error.cause;
    });
    lonely.command('go', (ctx) => ctx.flow.start(other));
    await lonely.handleUpdate(h.text('1', '/go'), h.services);
    expect(caught).toBeInstanceOf(RouterError);
    expect(String(caught)).toMatch(/pass it to flows/);
    expect(() => new Flow('bad name', { data: z.object({}), initial: () => ({}) })).toThrow(/letters, digits/);
    expect(() => createSeatsFlow().step('count', { ask: 'x', schema: z.string(), answer: () => undefined })).toThrow(/already has a step "count"/);
  });
});
