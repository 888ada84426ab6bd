import type { PurchaseOrder } from '@mtd/contracts';
import type { Cause } from '@mtd/platform';
import { CafExhaustedError } from '#adapters/folioLedger';
import { awaitsIssuance, decide } from '#domain/decideDte';
import { siiRut } from '#domain/dteXml';
import { rangeHolding, warnsAt } from '#domain/folioRanges';
import { DteIssuanceProblemError, planIssuance } from '#domain/issuance';
import { cafReference } from '#signing/caf';
import { inlineSigner } from '#signing/dteSigner';
import { certificateInfo } from '#signing/xmlSignature';
import type { DteDeps } from '#src/dteDeps';
import { handleDte, loadDte } from '#src/dteStream';

const dayMs = 24 * 60 * 60 * 1000;
/** Certificates already warned about today (sha256@day), so a busy day gives one warning, not one per order. */
const warnedCertificates = new Set<string>();

/**
 * Issues the order's DTE once. The issuance rule (type, amounts, every schema limit) is decided by
 * `planIssuance`, pure; this handler does the I/O around it: take a folio from a loaded CAF range,
 * stamp the TED with that CAF's key, sign the document with the issuer's certificate, append DteIssued.
 *
 * A problem no redelivery fixes (a field over the SII's limits, amounts out of range, a document too
 * large) is found before a folio is taken and recorded as DteIssuanceFailed, so no folio is left
 * unused. Running out of folios is recorded the same way — visible, retryable by an operator once a
 * CAF is loaded — and never produces a folio outside a CAF. Anything else throws and the trigger is
 * redelivered.
 */
export async function issueDte(
  deps: DteDeps,
  order: PurchaseOrder,
  cause: Cause,
  options: { assumeNewStream?: boolean } = {},
): Promise<void> {
  // With `assumeNewStream` (the first delivery of the OrderAccepted that creates the stream) nothing
  // is read: the append's no-stream condition catches a lost bet, and a folio reserved on a lost bet
  // is the order's own, which the ledger hands out again (its tail holds it), so none is lost.
  const { streamId, state, handled } = await loadDte(deps, order.orderId, cause, options);
  if (handled || !awaitsIssuance(state)) return;
  const now = deps.clock.now();
  const issuedAt = now.toISOString();
  const fail = (reason: string) =>
    handleDte(
      deps,
      streamId,
      cause,
      (current) =>
        decide(
          { type: 'RecordIssuanceFailure', orderId: order.orderId, failedAt: issuedAt, reason },
          current,
        ),
      options,
    );

  let plan: ReturnType<typeof planIssuance>;
  try {
    plan = planIssuance(order, deps.issuer, issuedAt);
  } catch (error) {
    if (!(error instanceof DteIssuanceProblemError)) throw error;
    await fail(error.message);
    return;
  }

  const { dteType } = plan;
  const ours = async (refresh: boolean) =>
    (await deps.cafs.list(dteType, { refresh })).filter(
      (caf) => siiRut(caf.issuerRut) === siiRut(deps.issuer.rut),
    );
  let cafs = await ours(false);
  let allocation: Awaited<ReturnType<DteDeps['folios']['allocate']>>;
  try {
    allocation = await deps.folios.allocate(dteType, order.orderId, cafs);
  } catch (error) {
    if (!(error instanceof CafExhaustedError)) throw error;
    // An operator may have loaded a CAF since the list was read: look once more before giving up.
    cafs = await ours(true);
    try {
      allocation = await deps.folios.allocate(dteType, order.orderId, cafs);
    } catch (again) {
      if (!(again instanceof CafExhaustedError)) throw again;
      deps.alerts.foliosExhausted({ dteType, orderId: order.orderId });
      await fail(again.message);
      return;
    }
  }
  const { folio, remaining } = allocation;
  const lowWater = deps.folioLowWater ?? 100;
  if (warnsAt(remaining, lowWater)) deps.alerts.foliosRunningLow({ dteType, remaining, lowWater });
  const caf = rangeHolding(cafs, folio);
  // The ledger only hands out folios of the ranges it was given; a miss here is a bug, not a state.
  if (!caf) throw new Error(`folio ${folio} of type ${dteType} is in no loaded CAF`);

  const credentials = await deps.credentials.current();
  const certificate = certificateInfo(credentials.certificatePem);
  const daysLeft = Math.floor((Date.parse(certificate.notAfter) - now.getTime()) / dayMs);
  const warned = `${certificate.sha256}@${issuedAt.slice(0, 10)}`;
  if (daysLeft <= (deps.certificateWarningDays ?? 30) && !warnedCertificates.has(warned)) {
    warnedCertificates.add(warned);
    deps.alerts.certificateExpiring({
      subject: certificate.subject,
      notAfter: certificate.notAfter,
      daysLeft,
    });
  }

  const document = { ...plan.document, folio };
  const signer = deps.signer ?? inlineSigner;
  const { xml, ted } = await signer.signDocument(document, caf, credentials, issuedAt);
  await handleDte(
    deps,
    streamId,
    cause,
    (current) =>
      decide(
        {
          type: 'IssueDte',
          document,
          xml,
          ted,
          caf: cafReference(caf),
          signature: {
            signedAt: issuedAt,
            certificateSha256: certificate.sha256,
            certificateSubject: certificate.subject,
            certificateNotAfter: certificate.notAfter,
          },
        },
        current,
      ),
    options,
  );
}
