import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { findAncestorNs } from 'xml-crypto';
import { ancestorNamespaces } from './c14nScope';

const xml = `<r xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b"><m xmlns:a="urn:a2" xmlns:c="urn:c" xmlns:b=""><p:e xmlns:p="urn:p" xmlns:c="urn:c2" ID="x"><f ID="y"/></p:e><g ID="z" xmlns="urn:g"/></m><a:h ID="w"/></r>`;

describe('ancestorNamespaces', () => {
  it('is what xml-crypto finds for an XPath selecting the element: innermost bindings, less undeclarations, own prefix and own declarations', () => {
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const byId = (id: string) =>
      Array.from(doc.getElementsByTagName('*')).find((element) => element.getAttribute('ID') === id)!;
    for (const id of ['x', 'y', 'z', 'w']) {
      expect(ancestorNamespaces(byId(id)), id).toEqual(findAncestorNs(doc, `//*[@ID='${id}']`));
    }
    expect(ancestorNamespaces(byId('x'))).toEqual([
      { prefix: 'a', namespaceURI: 'urn:a2' },
      { prefix: '', namespaceURI: 'urn:d' },
    ]);
    expect(ancestorNamespaces(doc.documentElement!)).toEqual([]);
  });
});
