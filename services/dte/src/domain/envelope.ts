import type { DteType } from '@mtd/contracts';
import { type Issuer, siiNamespace, siiRut, siiTimestamp } from './dteXml';

/** The SII's own RUT: the receiver of every envelope (Carátula RutReceptor). */
export const siiRutReceptor = '60803000-K';

/** The `ID` of an envelope's SetDTE: the target of the envelope's signature. */
export const setDteId = 'SetDoc';

/** Which envelope a type travels in: facturas in EnvioDTE, boletas in EnvioBOLETA (their own schema). */
export function envelopeKindOf(dteType: DteType): 'EnvioDTE' | 'EnvioBOLETA' {
  return dteType === 39 ? 'EnvioBOLETA' : 'EnvioDTE';
}

/**
 * An unsigned envelope (EnvioDTE_v10.xsd / EnvioBOLETA_v11.xsd) carrying signed DTE elements of one
 * type: the Carátula (issuer, sender, the SII as receiver, the issuer's resolution, when it was signed,
 * how many documents of each type) and the documents, unchanged. The root declares only the SII's
 * namespace, the one each DTE already declares: an extra namespace on an ancestor (a schemaLocation's
 * `xmlns:xsi`) would enter every document's inclusive C14N and break its signature.
 */
export function buildEnvelope(input: {
  dteType: DteType;
  issuer: Issuer;
  signedAt: string;
  /** Signed DTE elements, without XML declarations. */
  documents: readonly string[];
}): string {
  const { dteType, issuer, signedAt, documents } = input;
  const root = envelopeKindOf(dteType);
  const caratula =
    `<Caratula version="1.0"><RutEmisor>${siiRut(issuer.rut)}</RutEmisor><RutEnvia>${siiRut(issuer.senderRut)}</RutEnvia>` +
    `<RutReceptor>${siiRutReceptor}</RutReceptor><FchResol>${issuer.resolution.date}</FchResol><NroResol>${issuer.resolution.number}</NroResol>` +
    `<TmstFirmaEnv>${siiTimestamp(signedAt)}</TmstFirmaEnv><SubTotDTE><TpoDTE>${dteType}</TpoDTE><NroDTE>${documents.length}</NroDTE></SubTotDTE></Caratula>`;
  return `<${root} xmlns="${siiNamespace}" version="1.0"><SetDTE ID="${setDteId}">${caratula}${documents.join('')}</SetDTE></${root}>`;
}
