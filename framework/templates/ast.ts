/**
 * Rewrites of a parsed template before it is compiled, through Handlebars' documented AST
 * (`parse` → change → `compile(ast)`), so each output format gets its own escaping without
 * touching Handlebars' global `escapeExpression`, and so a missing variable is an error
 * wherever it is used, not only in `{{x}}`.
 */
/// <reference types="handlebars" />

/** Handlebars' compiler reads `strict` on a path to decide whether a missing value throws. */
type Path = hbs.AST.PathExpression & { strict?: boolean };
type Node = hbs.AST.Node;

// Helpers whose point is to test for presence (`{{#if discount}}`) or to iterate over what
// may be absent: their arguments stay lenient, as in plain Handlebars strict mode.
const LENIENT_HELPERS: ReadonlySet<string> = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log']);

/** How to rewrite one template, e.g. `{ helpers: new Set(['button-row']), escapeHelper: 'kiosk-escape-html' }`. */
export interface PrepareOptions {
  /** Every helper name the template may call without arguments, e.g. `button-row`. */
  helpers: ReadonlySet<string>;
  /**
   * Name of a helper that escapes its one argument. When set, every `{{value}}` becomes
   * `{{{escape value}}}` (and `{{helper a b}}` becomes `{{{escape (helper a b)}}}`).
   * `{{{raw}}}` is left alone, as in Handlebars.
   */
  escapeHelper?: string;
}

/**
 * Make a parsed template strict and, optionally, route its escaping through a helper.
 * Mutates and returns `program`.
 *
 * Handlebars' `strict` option only checks `{{value}}` mustaches: a helper argument such as
 * `total` in `{{money total "EUR"}}` silently becomes `undefined`. Here every path passed to
 * a helper (other than `if`, `unless`, `each`, `with`, `lookup` and `log`) is strict too, so
 * a bill without a total fails with `"total" not defined` instead of printing `NaN`.
 *
 * @example
 * ```ts
 * const env = Handlebars.create();
 * const ast = prepareTemplate(env.parse('{{name}}'), { helpers: new Set(), escapeHelper: 'html' });
 * env.registerHelper('html', (value: unknown) => escapeHtml(String(value)));
 * env.compile(ast, { strict: true })({ name: '<b>' }); // '&lt;b&gt;'
 * ```
 */
export function prepareTemplate(program: hbs.AST.Program, options: PrepareOptions): hbs.AST.Program {
  visitProgram(program, options);
  return program;
}

function visitProgram(program: hbs.AST.Program | undefined, options: PrepareOptions): void {
  if (!program) return;
  program.body = program.body.map((statement) => visitStatement(statement, options));
}

function visitStatement(node: Node, options: PrepareOptions): Node {
  if (isMustache(node)) {
    strictArguments(node, options);
    return options.escapeHelper && node.escaped ? escapeMustache(node, options.escapeHelper, options) : node;
  }
  if (isBlock(node)) {
    strictArguments(node, options);
    visitProgram(node.program, options);
    visitProgram(node.inverse, options);
  }
  return node;
}

/** `{{x}}` → `{{{escape x}}}`, `{{h a}}` → `{{{escape (h a)}}}`, keeping strictness and source locations. */
function escapeMustache(node: hbs.AST.MustacheStatement, escapeHelper: string, options: PrepareOptions): hbs.AST.MustacheStatement {
  const { path } = node;
  if (!isPath(path)) return node; // a literal mustache such as {{"text"}}: Handlebars' own escaping applies
  const callsHelper =
    node.params.length > 0 || node.hash?.pairs.length > 0 || (isSimpleId(path) && options.helpers.has(path.parts[0]!));
  let argument: hbs.AST.Expression;
  if (callsHelper) {
    const call: hbs.AST.SubExpression = { type: 'SubExpression', path, params: node.params, hash: node.hash, loc: node.loc };
    argument = call;
  } else {
    // A value: Handlebars made it strict as a mustache; as an argument it must be made strict here.
    (path as Path).strict = true;
    argument = path;
  }
  const escape: Path = { type: 'PathExpression', data: false, depth: 0, parts: [escapeHelper], original: escapeHelper, loc: node.loc };
  return {
    type: 'MustacheStatement',
    path: escape,
    params: [argument],
    hash: { type: 'Hash', pairs: [], loc: node.loc },
    escaped: false,
    strip: node.strip,
    loc: node.loc,
  };
}

function strictArguments(node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression, options: PrepareOptions): void {
  const { path } = node;
  const lenient = isPath(path) && isSimpleId(path) && LENIENT_HELPERS.has(path.parts[0]!);
  const values = [...node.params, ...(node.hash?.pairs.map((pair) => pair.value) ?? [])];
  for (const value of values) {
    if (isPath(value)) {
      if (!lenient) value.strict = true;
    } else if (isSubExpression(value)) {
      strictArguments(value, options);
    }
  }
}

function isSimpleId(path: hbs.AST.PathExpression): boolean {
  return path.parts.length === 1 && !path.data && path.depth === 0 && !/^(\.|this\b)/.test(path.original);
}

function isMustache(node: Node): node is hbs.AST.MustacheStatement {
  return node.type === 'MustacheStatement';
}

function isBlock(node: Node): node is hbs.AST.BlockStatement {
  return node.type === 'BlockStatement';
}

function isPath(node: Node): node is Path {
  return node.type === 'PathExpression';
}

function isSubExpression(node: Node): node is hbs.AST.SubExpression {
  return node.type === 'SubExpression';
}
