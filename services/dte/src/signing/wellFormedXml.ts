import { DOMParser } from '@xmldom/xmldom';

/**
 * Parses XML known to be well-formed (built by this process, or checked by the caller), without
 * xmldom's locator (line and column on every node, which nothing here reads). xmldom 0.8 checks every
 * element that is not empty-tagged for a closing tag somewhere after it, to treat an HTML-style unclosed
 * one as empty: it searches the text backwards from its end, once per tag name (`fixSelfClosed`), ~80
 * searches through an envelope's whole text, half of its parse. A comment after the root listing each
 * name's closing tag ends every search there. In well-formed XML that check never finds anything either
 * way, and the comment lies outside the root, so the document's elements are the same (the signer's
 * tests compare its output with xml-crypto's, byte for byte). XML that is not well-formed must not come
 * here: an unclosed element would no longer be taken as empty. (xmldom 0.9 drops the check, but parses
 * only ~25% faster than this, and xml-crypto 6 is built on 0.8.)
 */
export function parseWellFormed(xml: string): Document {
  const closingTags = new Set<string>();
  for (const [, name] of xml.matchAll(/<([^\s/>!?]+)/g))
    if (!name!.includes('-')) closingTags.add(`</${name}>`);
  return new DOMParser({}).parseFromString(`${xml}<!--${[...closingTags].join('')}-->`, 'text/xml');
}
