import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { selfSignedCredentials } from '#adapters/issuerCredentials';
import { buildDteXml, documentId, standaloneXml } from '#domain/dteXml';
import { planIssuance } from '#domain/issuance';
import { signedEnvelope } from '#signing/signedDocuments';
import { stampTed } from '#signing/ted';
import { verifyXmlSignatures } from '#signing/verification';
import { signElement, signSeedRequest } from '#signing/xmlSignature';
import { anAcceptedOrder } from '#src/testing/anAcceptedOrder';
import { aTestCaf, testCredentials, testIssuer } from '#src/testing/testIssuer';

/**
 * verifyXmlSignatures checks signatures on one parse of the document. xml-crypto's own
 * `checkSignature` (what it replaced) is the reference here: on every document below, valid or
 * tampered, both give the same verdict for every signature, and the verdicts are the expected ones.
 */

const dsig = 'http://www.w3.org/2000/09/xmldsig#';
const issuedAt = '2026-11-24T13:00:01.000Z';

function xmlCryptoVerdicts(xml: string): boolean[] {
  const text = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  return Array.from(doc.getElementsByTagNameNS(dsig, 'Signature')).map((signature) => {
    const checker = new SignedXml({ getCertFromKeyInfo: SignedXml.getCertFromKeyInfo });
    try {
      checker.loadSignature(signature as unknown as Node);
      return checker.checkSignature(text);
    } catch {
      return false;
    }
  });
}

function anEnvelope(dteType: 33 | 39): string {
  const order = anAcceptedOrder({
    orderId: `PO-${dteType}`,
    customer: dteType === 33 ? { taxId: '76123456-0', name: 'Ñandú & «Cía»' } : { name: 'Ana Pérez' },
  });
  const plan = planIssuance(order, testIssuer, issuedAt);
  const document = { ...plan.document, folio: 7 };
  const ted = stampTed(document, aTestCaf(plan.dteType, 1, 100), issuedAt);
  const dte = standaloneXml(
    signElement(
      buildDteXml(document, ted, issuedAt),
      { id: documentId(document.dteType, document.folio), after: 'Documento' },
      testCredentials(),
    ),
  );
  return signedEnvelope(
    { dteType: plan.dteType, issuer: testIssuer, documents: [dte] },
    testCredentials(),
    issuedAt,
  );
}

const valid = [true, true];
const factura = anEnvelope(33);
const boleta = anEnvelope(39);
const replaceFirst = (xml: string, pattern: RegExp, by: (match: string) => string) =>
  xml.replace(pattern, (match) => by(match));

/** A document, and what each of its signatures (the DTE's, then the envelope's) must say. */
const cases: [string, string, boolean[]][] = [
  ['a factura as issued', factura, valid],
  ['a boleta as issued', boleta, valid],
  ['a total changed in the document', factura.replace(/<MntTotal>(\d+)</, '<MntTotal>1<'), [false, false]],
  [
    'the carátula changed (only the envelope signs it)',
    factura.replace('<NroResol>0<', '<NroResol>9<'),
    [true, false],
  ],
  [
    "the DTE's SignatureValue changed",
    replaceFirst(
      factura,
      /<SignatureValue>[A-Za-z0-9+/]/,
      (m) => `${m.slice(0, -1)}${m.endsWith('A') ? 'B' : 'A'}`,
    ),
    [false, false],
  ],
  [
    "the envelope's DigestValue changed",
    factura.replace(
      /(<DigestValue>)([^<]+)(<\/DigestValue>)(?![\s\S]*<DigestValue>)/,
      '$1AAAAAAAAAAAAAAAAAAAAAAAAAAA=$3',
    ),
    [true, false],
  ],
  [
    'a second element with the ID the envelope signs (signature wrapping)',
    factura.replace('</EnvioDTE>', '<SetDTE ID="SetDoc"/></EnvioDTE>'),
    [true, false],
  ],
  [
    'a second element with the id the document signs, under another attribute name',
    factura.replace('</EnvioDTE>', '<Extra id="T33F7"/></EnvioDTE>'),
    [false, true],
  ],
  [
    'the reference pointing at an ID no element has',
    factura.replace('URI="#SetDoc"', 'URI="#Nowhere"'),
    [true, false],
  ],
  [
    'a comment inside the signed document (C14N drops it: still valid)',
    factura.replace('<Folio>7</Folio>', '<Folio>7<!-- x --></Folio>'),
    valid,
  ],
  [
    'the certificate of another key',
    factura.replace(
      /<X509Certificate>[^<]+<\/X509Certificate>/g,
      `<X509Certificate>${otherCertificate()}</X509Certificate>`,
    ),
    [false, false],
  ],
  ['a digest algorithm other than SHA-1', factura.replace(/xmldsig#sha1/g, 'xmldsig#sha256'), [false, false]],
];

function otherCertificate(): string {
  const other = selfSignedCredentials({
    now: new Date('2026-11-24T00:00:00.000Z'),
    rut: '11111111-1',
    name: 'Otro',
  });
  return other.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '');
}

describe('verifyXmlSignatures', () => {
  it.each(cases)(
    '%s: the expected verdicts, the same as xml-crypto’s checkSignature',
    (name, xml, expected) => {
      if (!name.endsWith('as issued')) expect(xml).not.toBe(xml.includes('<TipoDTE>33') ? factura : boleta);
      const verdicts = verifyXmlSignatures(xml).map((check) => check.valid);
      expect(verdicts).toEqual(expected);
      expect(xmlCryptoVerdicts(xml)).toEqual(expected);
      // Parsed the quicker way for XML checked well-formed: the same checks, reasons included.
      expect(verifyXmlSignatures(xml, { wellFormed: true })).toEqual(verifyXmlSignatures(xml));
    },
  );

  it('names the reference of each signature, and says why one does not verify', () => {
    const checks = verifyXmlSignatures(factura.replace('URI="#SetDoc"', 'URI="#Nowhere"'));
    expect(checks).toEqual([
      { reference: '#T33F7', valid: true },
      {
        reference: '#Nowhere',
        valid: false,
        reason: 'the signature references #Nowhere, and no element has that ID',
      },
    ]);
  });

  it("checks the token request's enveloped signature, and refuses a changed seed", () => {
    const request = signSeedRequest('012345678901', testCredentials());
    expect(verifyXmlSignatures(request)).toEqual([{ reference: '', valid: true }]);
    expect(xmlCryptoVerdicts(request)).toEqual([true]);
    const changed = request.replace('012345678901', '012345678902');
    expect(verifyXmlSignatures(changed).map((check) => check.valid)).toEqual([false]);
    expect(xmlCryptoVerdicts(changed)).toEqual([false]);
  });

  it('verifies each signature on the same parse without changing the document for the next', () => {
    const twice = verifyXmlSignatures(boleta);
    expect(twice).toEqual(verifyXmlSignatures(boleta));
    expect(twice.map((check) => check.valid)).toEqual(valid);
  });
});
