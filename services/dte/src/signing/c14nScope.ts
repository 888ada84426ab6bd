/**
 * The namespaces inclusive C14N carries into an element canonicalised on its own: those declared on
 * its ancestors (the innermost binding of each prefix), less undeclarations, those the element declares
 * itself and its own prefix — what xml-crypto's `findAncestorNs` returns for an XPath that selects the
 * element. It takes the element rather than an XPath: evaluating the XPath (parsing it, then walking the
 * document) was ~5% of a signature's CPU and more of a verification's, to find an element in hand.
 */
export function ancestorNamespaces(element: Element): { prefix: string; namespaceURI: string }[] {
  const declared: { prefix: string; namespaceURI: string }[] = [];
  for (let parent = element.parentNode; parent && parent.nodeType === 1; parent = parent.parentNode) {
    const { attributes } = parent as Element;
    for (let i = 0; i < attributes.length; i++) {
      const { nodeName, nodeValue } = attributes[i]!;
      // As xml-crypto matches them (`/^xmlns:?/`), so the result is the same for any input.
      if (!nodeName.startsWith('xmlns')) continue;
      const prefix = nodeName.replace(/^xmlns:?/, '');
      if (!declared.some((seen) => seen.prefix === prefix))
        declared.push({ prefix, namespaceURI: nodeValue || '' });
    }
  }
  const own = new Set([element.prefix || '']);
  for (let i = 0; i < element.attributes.length; i++) {
    const { nodeName } = element.attributes[i]!;
    if (nodeName === 'xmlns' || nodeName.startsWith('xmlns:')) own.add(nodeName.replace(/^xmlns:?/, ''));
  }
  return declared.filter(({ prefix, namespaceURI }) => namespaceURI !== '' && !own.has(prefix));
}
