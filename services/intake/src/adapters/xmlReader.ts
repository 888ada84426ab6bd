/**
 * A strict, non-validating XML 1.0 reader for documents without a DTD: the only XML intake reads.
 *
 * Why not fast-xml-parser (DESIGN §5 names it): it is lenient by design. Measured on our orders, it
 * and its XMLValidator accept undeclared entities, `--` inside comments, character references to
 * NUL or to lone surrogates, raw control characters, and silently merge mixed content and CDATA,
 * so the parsed description was not the text the partner sent. Validating with one parser and
 * mapping with another leaves room for the two to disagree (a parser differential); this reader is
 * the one parser, and it refuses exactly what XML 1.0 (5th ed.) makes a fatal error for a document
 * without a DTD:
 *
 * - a character outside `Char` anywhere (§2.2): C0 controls other than tab/LF/CR, lone surrogates,
 *   U+FFFE/U+FFFF; and character references to any of them (WFC: Legal Character);
 * - any entity other than the five predefined ones (WFC: Entity Declared); a bare `&`;
 * - `--` inside a comment (§2.5), `]]>` in character data (§2.4), `<` in an attribute value,
 *   a repeated attribute (WFC: Unique Att Spec), mismatched or unclosed tags, a second root,
 *   content after the root, an XML declaration anywhere but at the very start.
 *
 * A DOCTYPE is refused (no entity expansion of any kind, no external reads). It also enforces a
 * nesting limit, iteratively: no input can exhaust the stack. The output keeps each element's
 * offsets in the source, so a batch keeps every order's own bytes as received, and its text with
 * CDATA sections in document order, references decoded (CDATA content is never decoded).
 */

export interface XmlElement {
  name: string;
  /** In document order; values with references decoded and whitespace normalised (§3.3.3). */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** Character data and CDATA directly inside this element, in document order. */
  text: string;
  /** Some of `text` is not whitespace. */
  hasText: boolean;
  /** Offset of the `<` of the start tag in the source string. */
  start: number;
  /** Offset just after the `>` that closes the element. */
  end: number;
}

export type XmlSyntaxCode = 'malformed_xml' | 'doctype_not_allowed' | 'too_deep' | 'unsupported_encoding';

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
  constructor(
    readonly code: XmlSyntaxCode,
    readonly detail: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${detail} (line ${line}, column ${column})`);
  }
}

const nameStart =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const nameChar = `${nameStart}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const namePattern = new RegExp(`[${nameStart}][${nameChar}]*`, 'uy');
/** Anything outside XML 1.0's `Char` production. */
const notXmlChar = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const referencePattern = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,10})|#x([0-9a-fA-F]{1,8}));/y;
const namedReferencePattern = new RegExp(`&([${nameStart}][${nameChar}]*);`, 'uy');
const charDataPattern = /[^<&]*/y;
const xmlDeclaration =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\4)?[ \t\r\n]*\?>/;
const predefined: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

const isSpace = (char: string | undefined) => char === ' ' || char === '\t' || char === '\n' || char === '\r';
const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Reads one XML document into its root element. Throws {@link XmlSyntaxError} with the line and
 * column of the first fatal error.
 *
 * @example readXml('<a x="1">hi</a>', { maxDepth: 32 }).attributes.get('x') // '1'
 */
export function readXml(source: string, options: { maxDepth: number }): XmlElement {
  const fail = (code: XmlSyntaxCode, detail: string, at: number): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = source.indexOf('\n'); i !== -1 && i < at; i = source.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new XmlSyntaxError(code, detail, line, at - lineStart + 1);
  };

  const bad = notXmlChar.exec(source);
  if (bad) {
    const code = bad[0].codePointAt(0)!;
    fail(
      'malformed_xml',
      `character ${hex(code)} is not allowed in XML (${code < 0x20 || code === 0x7f ? 'a control character' : code >= 0xd800 && code <= 0xdfff ? 'half of a surrogate pair' : 'a non-character'}); remove it`,
      bad.index,
    );
  }

  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;

  const expect = (literal: string, what: string) => {
    if (!source.startsWith(literal, i)) fail('malformed_xml', `expected ${what}`, i);
    i += literal.length;
  };
  const skipSpace = () => {
    while (isSpace(source[i])) i++;
  };
  const readName = (what: string): string => {
    namePattern.lastIndex = i;
    const match = namePattern.exec(source);
    if (!match) fail('malformed_xml', `expected ${what}`, i);
    i = namePattern.lastIndex;
    return match![0];
  };
  /** At `&`: the decoded reference. */
  const readReference = (): string => {
    referencePattern.lastIndex = i;
    const match = referencePattern.exec(source);
    if (!match) {
      namedReferencePattern.lastIndex = i;
      const named = namedReferencePattern.exec(source);
      if (named) {
        fail(
          'malformed_xml',
          `undeclared entity &${named[1]}; (only &lt; &gt; &amp; &quot; &apos; and character references like &#233; are allowed)`,
          i,
        );
      }
      fail('malformed_xml', 'a bare "&" must be written &amp;', i);
    }
    const [, name, decimal, hexDigits] = match!;
    if (name) {
      i = referencePattern.lastIndex;
      return predefined[name]!;
    }
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hexDigits!, 16);
    if (!isXmlChar(code)) {
      fail(
        'malformed_xml',
        `character reference ${match![0]} refers to ${hex(code)}, which XML does not allow`,
        i,
      );
    }
    i = referencePattern.lastIndex;
    return String.fromCodePoint(code);
  };
  const readComment = () => {
    const close = source.indexOf('--', i + 4);
    if (close === -1) fail('malformed_xml', 'unclosed comment', i);
    if (source[close + 2] !== '>') fail('malformed_xml', '"--" is not allowed inside a comment', close);
    i = close + 3;
  };
  const readProcessingInstruction = () => {
    const at = i;
    i += 2;
    const target = readName('a processing instruction target');
    if (target.toLowerCase() === 'xml') {
      fail('malformed_xml', 'the XML declaration <?xml …?> is only allowed at the very start', at);
    }
    const close = source.indexOf('?>', i);
    if (close === -1) fail('malformed_xml', 'unclosed processing instruction', at);
    if (close !== i && !isSpace(source[i])) fail('malformed_xml', 'malformed processing instruction', i);
    i = close + 2;
  };
  /** Comments, processing instructions and whitespace (XML's `Misc`), up to anything else. */
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', i)) readComment();
      else if (source.startsWith('<?', i)) readProcessingInstruction();
      else return;
    }
  };
  const readAttributeValue = (): string => {
    const quote = source[i];
    if (quote !== '"' && quote !== "'") fail('malformed_xml', 'an attribute value must be quoted', i);
    i++;
    let value = '';
    for (;;) {
      const char = source[i];
      if (char === undefined) fail('malformed_xml', 'unclosed attribute value', i);
      if (char === quote) break;
      if (char === '<') fail('malformed_xml', '"<" is not allowed in an attribute value; write &lt;', i);
      if (char === '&') {
        value += readReference();
        continue;
      }
      if (char === '\r') {
        // §2.11 then §3.3.3: CR LF is one line end, and a literal line end or tab is a space.
        value += ' ';
        i += source[i + 1] === '\n' ? 2 : 1;
        continue;
      }
      value += char === '\n' || char === '\t' ? ' ' : char;
      i++;
    }
    i++;
    return value;
  };
  const readStartTag = (): { element: XmlElement; selfClosing: boolean } => {
    const start = i;
    i++;
    const name = readName('an element name after "<"');
    const attributes = new Map<string, string>();
    for (;;) {
      const hadSpace = isSpace(source[i]);
      skipSpace();
      if (source.startsWith('/>', i)) {
        i += 2;
        return { element: newElement(name, attributes, start, i), selfClosing: true };
      }
      if (source[i] === '>') {
        i++;
        return { element: newElement(name, attributes, start, -1), selfClosing: false };
      }
      if (!hadSpace) fail('malformed_xml', `expected whitespace, ">" or "/>" in <${name}>`, i);
      const attributeName = readName(`an attribute name or ">" in <${name}>`);
      skipSpace();
      expect('=', `"=" after attribute ${attributeName}`);
      skipSpace();
      const value = readAttributeValue();
      if (attributes.has(attributeName)) {
        fail('malformed_xml', `attribute ${attributeName} appears twice on <${name}>`, i);
      }
      attributes.set(attributeName, value);
    }
  };

  // Prolog: an optional XML declaration, then comments, processing instructions and whitespace.
  if (/^<\?xml[ \t\r\n?]/.test(source.slice(i, i + 6))) {
    const declaration = xmlDeclaration.exec(source.slice(i));
    if (!declaration) fail('malformed_xml', 'malformed XML declaration', i);
    const encoding = declaration![3];
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
      fail('unsupported_encoding', `the document declares encoding "${encoding}"; send it as UTF-8`, i);
    }
    i += declaration![0].length;
  }
  skipMisc();
  if (/^<!DOCTYPE/i.test(source.slice(i, i + 9))) {
    fail(
      'doctype_not_allowed',
      'DOCTYPE and ENTITY declarations are not allowed; send the order without a DTD',
      i,
    );
  }
  if (source[i] !== '<')
    fail('malformed_xml', i >= source.length ? 'no root element' : 'expected the root element', i);

  const first = readStartTag();
  const root = first.element;
  const stack: XmlElement[] = first.selfClosing ? [] : [root];
  const appendText = (element: XmlElement, text: string) => {
    element.text += text;
    if (!element.hasText && /[^ \t\n\r]/.test(text)) element.hasText = true;
  };

  while (stack.length > 0) {
    const current = stack[stack.length - 1]!;
    const char = source[i];
    if (char === undefined) fail('malformed_xml', `<${current.name}> is not closed`, i);
    if (char === '&') {
      appendText(current, readReference());
      continue;
    }
    if (char !== '<') {
      charDataPattern.lastIndex = i;
      const data = charDataPattern.exec(source)![0];
      const cdataEnd = data.indexOf(']]>');
      if (cdataEnd !== -1) fail('malformed_xml', '"]]>" is not allowed in text; write ]]&gt;', i + cdataEnd);
      appendText(current, data.replace(/\r\n?/g, '\n'));
      i += data.length;
      continue;
    }
    if (source.startsWith('</', i)) {
      const at = i;
      i += 2;
      const name = readName('an element name after "</"');
      skipSpace();
      expect('>', `">" to end </${name}`);
      if (name !== current.name) fail('malformed_xml', `</${name}> does not close <${current.name}>`, at);
      current.end = i;
      stack.pop();
      continue;
    }
    if (source.startsWith('<!--', i)) {
      readComment();
      continue;
    }
    if (source.startsWith('<![CDATA[', i)) {
      const close = source.indexOf(']]>', i + 9);
      if (close === -1) fail('malformed_xml', 'unclosed CDATA section', i);
      appendText(current, source.slice(i + 9, close).replace(/\r\n?/g, '\n'));
      i = close + 3;
      continue;
    }
    if (source.startsWith('<!', i)) {
      if (/^<!(DOCTYPE|ENTITY)/i.test(source.slice(i, i + 9))) {
        fail(
          'doctype_not_allowed',
          'DOCTYPE and ENTITY declarations are not allowed; send the order without a DTD',
          i,
        );
      }
      fail('malformed_xml', 'unexpected "<!"', i);
    }
    if (source.startsWith('<?', i)) {
      readProcessingInstruction();
      continue;
    }
    const { element, selfClosing } = readStartTag();
    if (stack.length >= options.maxDepth) {
      fail('too_deep', `elements are nested more than ${options.maxDepth} deep`, element.start);
    }
    current.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  skipMisc();
  if (i < source.length) {
    fail(
      'malformed_xml',
      'only comments and whitespace may follow the root element (one document, one root)',
      i,
    );
  }
  return root;
}

function newElement(name: string, attributes: Map<string, string>, start: number, end: number): XmlElement {
  return { name, attributes, children: [], text: '', hasText: false, start, end };
}
