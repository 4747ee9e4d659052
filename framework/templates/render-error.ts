/**
 * Turning whatever a render threw into a `TemplateError` that names the template, the
 * file and, when a value is missing, the variable as written in the template.
 */
import { TemplateError } from '../core/errors';

// Handlebars' strict mode says `"name" not defined in [object Object] - 2:4`: only the last
// part of the path, and the location of the path in the source (line 1-based, column 0-based).
const NOT_DEFINED = /^"([^"]+)" not defined in /;
// Strict mode does not guard the parents of `{{#if order.paid}}`; a missing `order` surfaces
// as V8's TypeError.
const READ_OF_MISSING = /^Cannot read properties of (?:undefined|null) \(reading '([^']+)'\)/;

/**
 * The `TemplateError` for an error thrown while rendering `name` from `file`, whose text is
 * `source`. A `TemplateError` (thrown by a helper) passes through unchanged.
 *
 * @example
 * ```ts
 * toTemplateError(new Error('"driver" not defined in [object Object] - 1:2'), 'taxi/assigned', file, '{{driver.name}}');
 * // TemplateError: Template "taxi/assigned": "driver.name" is not in the data (…, line 1); …  variable: 'driver.name'
 * ```
 */
export function toTemplateError(error: unknown, name: string, file: string, source: string): TemplateError {
  if (error instanceof TemplateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const missing = NOT_DEFINED.exec(message);
  if (missing) {
    const position = positionOf(error);
    const variable = (position && pathAt(source, position, missing[1]!)) ?? missing[1]!;
    const where = position ? `${file}, line ${position.line}` : file;
    return new TemplateError(name, `"${variable}" is not in the data (${where}); pass it, or null if it may be empty.`, {
      cause: error,
      variable,
    });
  }
  const read = READ_OF_MISSING.exec(message);
  if (error instanceof TypeError && read) {
    return new TemplateError(
      name,
      `"${read[1]}" was read from a missing object (${file}); every object in a path such as {{#if order.${read[1]}}} must be in the data.`,
      { cause: error },
    );
  }
  return new TemplateError(name, `failed to render ${file}: ${message}`, { cause: error });
}

function positionOf(error: unknown): { line: number; column: number } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { lineNumber, column } = error as { lineNumber?: unknown; column?: unknown };
  return typeof lineNumber === 'number' && typeof column === 'number' ? { line: lineNumber, column } : undefined;
}

/**
 * The whole path at a position of the source (`driver.name`, `@root.order.total`,
 * `../name`), when it ends with the part Handlebars named; otherwise `undefined`.
 */
function pathAt(source: string, position: { line: number; column: number }, part: string): string | undefined {
  const line = source.split('\n')[position.line - 1];
  const path = line === undefined ? undefined : /^[^\s{}()=~|"']+/.exec(line.slice(position.column))?.[0];
  if (!path) return undefined;
  return path === part || path.endsWith(`.${part}`) || path.endsWith(`/${part}`) ? path : undefined;
}
