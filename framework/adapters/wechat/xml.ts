/**
 * Safe XML for WeChat: parse what WeChat posts and build what Kiosk answers.
 *
 * WeChat's messages are flat `<xml>` documents whose values are CDATA or plain text
 * (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html).
 * They never carry a DTD, so any `<!DOCTYPE` or `<!ENTITY` is refused before parsing: no
 * external entities (XXE), no entity expansion (billion laughs). Only the five predefined
 * entities and numeric character references are decoded; CDATA is kept exactly; values stay
 * strings, because `MsgId` is a 64-bit integer that a JavaScript number would round.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PayloadError } from '../../core/errors';

/** A parsed XML value: the text of a leaf element, the children of an element, or repeated children. */
export type XmlValue = string | XmlRecord | XmlValue[];

/** The children of one element by tag name; a name that repeats holds an array. */
export interface XmlRecord {
  [name: string]: XmlValue;
}

/**
 * A value to write: strings become CDATA, numbers and bigints plain text (a 64-bit `MsgId` is a
 * bigint), records nested elements, arrays repeated elements.
 */
export type XmlBuildValue = string | number | bigint | XmlBuildRecord | XmlBuildRecord[];

/** The children of one element to write, in insertion order. */
export interface XmlBuildRecord {
  [name: string]: XmlBuildValue | undefined;
}

/** Deepest nesting accepted. WeChat's deepest payload (`SendPicsInfo/PicList/item/PicMd5Sum`) is five levels. */
export const MAX_XML_DEPTH = 32;

// Tag names that would reach an object's prototype when used as keys.
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DTD = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const CDATA = '#cdata';
const TEXT = '#text';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  cdataPropName: CDATA,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_XML_DEPTH,
});

/** One node of fast-xml-parser's ordered output: `{ tag: children }`, `{ '#text': s }` or `{ '#cdata': [{ '#text': s }] }`. */
type OrderedNode = Record<string, unknown>;

/**
 * Parse an XML document into its root element's name and value. Throws `PayloadError` for
 * anything that is not one well-formed element, carries a DTD, or nests deeper than
 * {@link MAX_XML_DEPTH}.
 *
 * @example
 * ```ts
 * parseXml('<xml><MsgId>6054768590064713728</MsgId></xml>');
 * // { name: 'xml', value: { MsgId: '6054768590064713728' } }
 * ```
 */
export function parseXml(text: string): { name: string; value: XmlValue } {
  // A customer may well type "<!DOCTYPE" into a message: only declarations outside CDATA count.
  if (DTD.test(outsideCdata(text))) {
    throw new PayloadError('XML body declares a DTD or entities; WeChat never sends them, so the body is refused.');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new PayloadError(`Body is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col}).`);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PayloadError(`Body is not acceptable XML: ${reason}.`, [], { cause: error });
  }
  const elements = (Array.isArray(nodes) ? (nodes as OrderedNode[]) : []).filter((node) => elementName(node) !== undefined);
  if (elements.length !== 1) {
    throw new PayloadError(`XML body must have exactly one root element; it has ${elements.length}.`);
  }
  const root = elements[0]!;
  const name = elementName(root)!;
  return { name, value: valueOf(root[name], [name]) };
}

/**
 * Parse a WeChat payload: a document whose root element is `<xml>`, returned as its children.
 * Throws `PayloadError` for anything else.
 *
 * @example
 * ```ts
 * parseWechatXml('<xml><Content><![CDATA[hi]]></Content></xml>').Content; // 'hi'
 * ```
 */
export function parseWechatXml(text: string): XmlRecord {
  const { name, value } = parseXml(text);
  if (name !== 'xml') throw new PayloadError(`WeChat XML must have the root element <xml>, not <${name}>.`);
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    throw new PayloadError('WeChat XML root <xml> must contain elements, not text.', ['xml']);
  }
  if (Array.isArray(value)) throw new PayloadError('WeChat XML root <xml> is malformed.', ['xml']);
  return value;
}

/** The text of a leaf field of a parsed record, or `undefined` when it is absent or has children. */
export function textField(record: XmlRecord, name: string): string | undefined {
  const value = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Write `<root>…</root>` from a record: strings as CDATA, numbers as plain text, nested records as
 * elements and arrays as repeated elements. `undefined` fields are skipped.
 *
 * @example
 * ```ts
 * buildXml('xml', { ToUserName: 'oUser', CreateTime: 1700000000, MsgType: 'text', Content: 'a]]>b' });
 * // <xml><ToUserName><![CDATA[oUser]]></ToUserName><CreateTime>1700000000</CreateTime>…
 * //   <Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>
 * ```
 */
export function buildXml(root: string, record: XmlBuildRecord): string {
  return element(root, record);
}

/**
 * A CDATA section holding `text` exactly. `]]>` cannot occur inside one, so it is split across
 * two sections; characters XML 1.0 forbids (most control characters) are dropped.
 */
export function cdata(text: string): string {
  return `<![CDATA[${xmlSafe(text).split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

function element(name: string, value: XmlBuildValue): string {
  if (!NAME.test(name)) throw new PayloadError(`"${name}" is not a valid XML element name.`, [name]);
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
  if (typeof value === 'string') return `<${name}>${cdata(value)}</${name}>`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PayloadError(`XML field ${name} must be a finite number.`, [name]);
    return `<${name}>${String(value)}</${name}>`;
  }
  if (typeof value === 'bigint') return `<${name}>${value.toString()}</${name}>`;
  const children = Object.entries(value)
    .filter((entry): entry is [string, XmlBuildValue] => entry[1] !== undefined)
    .map(([child, childValue]) => element(child, childValue))
    .join('');
  return `<${name}>${children}</${name}>`;
}

function xmlSafe(text: string): string {
  // XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; the `u` flag keeps surrogate pairs whole.
  return text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

/** The text with CDATA sections removed, in one linear pass (a lazy regex would be quadratic on unclosed sections). */
function outsideCdata(text: string): string {
  let result = '';
  let from = 0;
  for (;;) {
    const start = text.indexOf('<![CDATA[', from);
    if (start < 0) return result + text.slice(from);
    result += text.slice(from, start);
    const end = text.indexOf(']]>', start + 9);
    if (end < 0) return result;
    from = end + 3;
  }
}

function elementName(node: OrderedNode): string | undefined {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined || name === TEXT || name === CDATA) return undefined;
  return name;
}

function valueOf(children: unknown, path: string[]): XmlValue {
  const nodes = Array.isArray(children) ? (children as OrderedNode[]) : [];
  let text = '';
  let record: XmlRecord | undefined;
  for (const node of nodes) {
    if (TEXT in node) {
      text += decodeEntities(String(node[TEXT]));
    } else if (CDATA in node) {
      const parts = Array.isArray(node[CDATA]) ? (node[CDATA] as OrderedNode[]) : [];
      text += parts.map((part) => String(part[TEXT] ?? '')).join('');
    } else {
      const name = elementName(node);
      if (name === undefined) continue;
      if (RESERVED_NAMES.has(name) || RESERVED_NAMES.has(name.replace(/^__/, ''))) {
        throw new PayloadError(`XML element <${name}> is not allowed.`, path);
      }
      record ??= {};
      const value = valueOf(node[name], [...path, name]);
      const existing = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
      if (existing === undefined) record[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else record[name] = [existing, value];
    }
  }
  // Mixed content does not occur in WeChat payloads: an element with children is a record.
  return record ?? text;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Decode the five predefined entities and numeric character references; anything else (a
 * named entity no DTD defines, a reference to a character XML forbids) is left as written.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g, (match, hex?: string, dec?: string, name?: string) => {
    if (name) return PREDEFINED[name]!;
    const code = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(dec!, 10);
    const allowed =
      code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    return allowed ? String.fromCodePoint(code) : match;
  });
}
