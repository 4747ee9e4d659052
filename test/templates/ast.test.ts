import Handlebars from 'handlebars';
import { prepareTemplate } from '../../framework/templates/ast';

/** Compile `source` through `prepareTemplate` in a fresh environment with an escape helper that marks its output. */
function run(source: string, data: object, escapeHelper: string | null = 'esc') {
  const env = Handlebars.create();
  env.registerHelper('esc', (value: unknown) => `[${String(value)}]`);
  env.registerHelper('row', () => 'ROW');
  env.registerHelper('up', (value: unknown) => String(value).toUpperCase());
  const helpers = new Set(['esc', 'row', 'up']);
  const ast = prepareTemplate(env.parse(source), { helpers, ...(escapeHelper ? { escapeHelper } : {}) });
  const knownHelpers = Object.fromEntries([...helpers].map((name) => [name, true]));
  return env.compile(ast, { strict: true, knownHelpers, noEscape: true })(data);
}

describe('prepareTemplate', () => {
  it('routes every escaped mustache through the escape helper, values and helper calls alike', () => {
    expect(run('{{a}} {{up a}} {{row}} {{{a}}} {{@root.a}}', { a: 'x' })).toBe('[x] [X] [ROW] x [x]');
  });

  it('reaches into blocks, else branches and else-if chains', () => {
    const source = '{{#each list}}{{this}}{{/each}}|{{#if no}}{{a}}{{else if a}}{{up a}}{{else}}{{a}}{{/if}}';
    expect(run(source, { list: [1, 2], no: false, a: 'y' })).toBe('[1][2]|[Y]');
  });

  it('leaves escaping alone without an escape helper', () => {
    expect(run('{{a}} {{up a}}', { a: 'x' }, null)).toBe('x X');
  });

  it('keeps a moved value strict, with the location of the path', () => {
    expect(() => run('\n  {{missing}}', {})).toThrow('"missing" not defined in [object Object] - 2:4');
  });

  it('makes helper arguments strict, including inside subexpressions and hashes, but not those of if/each', () => {
    expect(() => run('{{up missing}}', {}, null)).toThrow(/"missing" not defined/);
    expect(() => run('{{up (up missing)}}', {}, null)).toThrow(/"missing" not defined/);
    expect(() => run('{{up "x" key=missing}}', {}, null)).toThrow(/"missing" not defined/);
    expect(run('{{#if missing}}a{{else}}b{{/if}}{{#each missing}}c{{/each}}', {}, null)).toBe('b');
  });
});
