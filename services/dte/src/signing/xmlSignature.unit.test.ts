import { describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { buildDteXml, documentId, dteElementOf } from '#domain/dteXml';
import { buildEnvelope, setDteId } from '#domain/envelope';
import { planIssuance } from '#domain/issuance';
import { stampTed } from '#signing/ted';
import { verifyXmlSignatures } from '#signing/verification';
import { type SigningCredentials, signElement } from '#signing/xmlSignature';
import { aLine, anAcceptedOrder } from '#src/testing/anAcceptedOrder';
import { aTestCaf, testCredentials, testIssuer } from '#src/testing/testIssuer';

/**
 * signElement computes the signature on one parse and inserts its text; xml-crypto's
 * `computeSignature` (what it replaced) is the reference: the same signed document, byte for byte.
 */

const issuedAt = '2026-11-24T13:00:01.000Z';
const c14n = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';

function xmlCryptoSigned(
  xml: string,
  target: { id: string; after: string },
  credentials: SigningCredentials,
) {
  const keyInfo = signElement(xml, target, credentials).match(/<KeyInfo>([\s\S]*?)<\/KeyInfo>/)![1]!;
  const signer = new SignedXml({
    privateKey: credentials.privateKeyPem,
    publicCert: credentials.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    canonicalizationAlgorithm: c14n,
    getKeyInfoContent: () => keyInfo,
  });
  signer.addReference({
    xpath: `//*[@ID='${target.id}']`,
    uri: `#${target.id}`,
    digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1',
    transforms: [c14n],
  });
  signer.computeSignature(xml, {
    location: { reference: `//*[local-name(.)='${target.after}']`, action: 'after' },
  });
  return signer.getSignedXml().replace(/[\u0100-\u{10ffff}]/gu, (char) => `&#${char.codePointAt(0)};`);
}

const orders = [
  anAcceptedOrder({ orderId: 'PO-B' }),
  anAcceptedOrder({
    orderId: 'PO-F',
    customer: { taxId: '76123456-0', name: 'Comercial O\'Higgins "Sur" & Cía ☃ <x>' },
  }),
  anAcceptedOrder({
    orderId: 'PO-L',
    lines: Array.from({ length: 40 }, (_, k) => aLine({ sku: `S${k}`, description: `Ñandú > & «cía» ${k}` })),
  }),
];

describe('signElement', () => {
  it.each(orders.map((order, i) => [order.orderId, order, i + 1] as const))(
    '%s: the document and its envelope signed as xml-crypto signs them, byte for byte, and they verify',
    (_id, order, folio) => {
      const plan = planIssuance(order, testIssuer, issuedAt);
      const document = { ...plan.document, folio };
      const xml = buildDteXml(
        document,
        stampTed(document, aTestCaf(plan.dteType, 1, 100), issuedAt),
        issuedAt,
      );
      const target = { id: documentId(document.dteType, folio), after: 'Documento' };
      const dte = signElement(xml, target, testCredentials());
      expect(dte).toBe(xmlCryptoSigned(xml, target, testCredentials()));

      const unsigned = buildEnvelope({
        dteType: plan.dteType,
        issuer: testIssuer,
        signedAt: issuedAt,
        documents: [dteElementOf(dte)],
      });
      const envelopeTarget = { id: setDteId, after: 'SetDTE' };
      const envelope = signElement(unsigned, envelopeTarget, testCredentials());
      expect(envelope).toBe(xmlCryptoSigned(unsigned, envelopeTarget, testCredentials()));
      expect(verifyXmlSignatures(envelope).map((check) => check.valid)).toEqual([true, true]);
    },
  );

  it('refuses a target it cannot place the signature after', () => {
    const xml = '<DTE version="1.0"><Documento ID="T39F1"><x/></Documento><Extra/></DTE>';
    expect(() => signElement(xml, { id: 'T39F1', after: 'Documento' }, testCredentials())).toThrow(
      'Documento must be the last child of DTE',
    );
    expect(() => signElement(xml, { id: 'T39F9', after: 'Extra' }, testCredentials())).toThrow(
      'exactly one child with ID T39F9',
    );
  });
});
