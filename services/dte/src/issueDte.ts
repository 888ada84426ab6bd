import type { PurchaseOrder } from '@mtd/contracts';
import type { Cause } from '@mtd/platform';
import { AmountOutOfRangeError, dteAmounts, dteTypeFor } from '#domain/amounts';
import { awaitsIssuance, decide, draftIssuedEvent, issuanceProblem } from '#domain/decideDte';
import { buildDteXml } from '#domain/dteXml';
import type { DteDeps } from '#src/dteDeps';
import { handleDte, loadDte } from '#src/dteStream';

/** The widest folio the SII's Folio field takes (10 digits), for sizing a document before it has one. */
const widestFolio = 9_999_999_999;

/**
 * Issues the order's DTE once: reserve a folio, build the XML, append DteIssued. A problem no
 * redelivery can fix (amounts out of range, a document over the size limits) is checked before the
 * folio is reserved and recorded as DteIssuanceFailed instead, so no folio is ever left unused.
 * Anything else throws and the trigger is redelivered.
 */
export async function issueDte(deps: DteDeps, order: PurchaseOrder, cause: Cause): Promise<void> {
  const { streamId, state, handled } = await loadDte(deps, order.orderId, cause);
  if (handled || !awaitsIssuance(state)) return;
  const issuedAt = deps.clock.now().toISOString();
  const dteType = dteTypeFor(order.customer);
  const document = { dteType, issuedAt, issuer: deps.issuer, customer: order.customer };

  let problem: Error | undefined;
  try {
    const amounts = dteAmounts(order.lines);
    const draftXml = buildDteXml({ ...document, folio: widestFolio, amounts });
    problem = issuanceProblem(
      draftIssuedEvent({ type: 'IssueDte', order, folio: widestFolio, issuedAt, xml: draftXml }),
    );
  } catch (error) {
    if (!(error instanceof AmountOutOfRangeError)) throw error;
    problem = error;
  }
  if (problem) {
    const reason = problem.message;
    await handleDte(deps, streamId, cause, (current) =>
      decide({ type: 'RecordIssuanceFailure', orderId: order.orderId, failedAt: issuedAt, reason }, current),
    );
    return;
  }

  const folio = await deps.folios.allocate(dteType, order.orderId);
  const xml = buildDteXml({ ...document, folio, amounts: dteAmounts(order.lines) });
  await handleDte(deps, streamId, cause, (current) =>
    decide({ type: 'IssueDte', order, folio, issuedAt, xml }, current),
  );
}
