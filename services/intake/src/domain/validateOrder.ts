import { PurchaseOrder, type RejectionReason } from '@mtd/contracts';
import type { z } from 'zod';
import { characterReasons, forbiddenCharacter, shownValue } from '#domain/orderText';
import type { OrderValidation } from '#domain/receiveOrder';
import { rutCheckDigit, splitRut } from '#domain/rut';

/** Intake's plausibility settings; the composition root may override any of them. */
export interface IntakePolicy {
  /**
   * How far a partner's clock may be ahead of ours (a `placedAt` up to this much in the future is
   * accepted) or behind it (a `dispatchBy` up to this much in the past is accepted).
   */
  clockSkewMs: number;
  /** An order placed before this is a typo or a default value, not an order (`0000-01-01`, `1970-01-01`). */
  earliestPlacedAt: string;
}

export const defaultIntakePolicy: IntakePolicy = {
  clockSkewMs: 5 * 60_000,
  earliestPlacedAt: '2000-01-01T00:00:00Z',
};

/** What validation needs besides the order: the time it arrived (an input: the domain has no clock) and the policy. */
export interface ValidationContext {
  /** ISO time the order was received. */
  receivedAt: string;
  policy: IntakePolicy;
  /** Problems the parser found in the order's structure (duplicate keys, mixed content…). */
  structural?: RejectionReason[];
}

/**
 * The SII's limits for the documents an order becomes (DTE_v10.xsd, SiiTypes_v10.xsd,
 * EnvioBOLETA_v11.xsd): an order that cannot become a valid DTE is refused at the door, naming the
 * field and the limit, instead of failing at issuance.
 */
export const dteLimits = {
  /** `Receptor/RznSocRecep` (RznSocLargaType): 100 characters. */
  customerName: 100,
  /** `Detalle/CdgItem/VlrCodigo`: 35 characters. */
  sku: 35,
  /** `Detalle/NmbItem`: 80 characters. */
  description: 80,
  /** `Detalle` maxOccurs on a factura (33); a boleta (EnvioBOLETA) allows 1,000. */
  facturaLines: 60,
  /**
   * `Receptor/DirRecep`: 70 characters. The shipping address is the factura's DirRecep, which
   * Formato DTE asks of every factura (a boleta prints it only when it fits). docs/decisions.md,
   * "Buyer fields of the factura".
   */
  facturaAddress: 70,
  /** `PrcItem` is at least 0.000001: in whole pesos, 1. */
  minUnitPrice: 1,
} as const;

/** At most this many reasons are recorded; a partner fixes the first ones and sees the rest next time. */
export const maxReasons = 100;

/**
 * An order as mapped from XML or JSON, before validation: the canonical field names, values as
 * they came (XML numbers already converted when they were whole numbers). Nothing here is trusted.
 */
export interface OrderCandidate {
  orderId?: unknown;
  channel?: unknown;
  placedAt?: unknown;
  currency?: unknown;
  customer?: unknown;
  lines?: unknown;
  shipping?: unknown;
  dispatchBy?: unknown;
}

/** The order id when it can name a stream; undefined otherwise (the order cannot be recorded). */
export function orderIdOf(candidate: OrderCandidate): string | undefined {
  const result = PurchaseOrder.shape.orderId.safeParse(candidate.orderId);
  return result.success ? result.data : undefined;
}

/** Why an order cannot even be recorded: the same words whether it came over HTTP or in a batch. */
export function unidentifiedReasons(candidate: OrderCandidate): RejectionReason[] {
  if (candidate.orderId === undefined || candidate.orderId === '') {
    return [
      {
        path: 'orderId',
        code: 'required',
        message:
          'orderId is required (attribute id on <PurchaseOrder>, or "orderId" in JSON); without it the order cannot be recorded',
      },
    ];
  }
  if (typeof candidate.orderId !== 'string') {
    // 12345 would pass the alphabet below, so saying only that would send the partner looking there.
    return [
      {
        path: 'orderId',
        code: 'invalid_type',
        message: `orderId must be text (in JSON a string like "PO-1001"), got ${shownValue(candidate.orderId)}`,
      },
    ];
  }
  const found = forbiddenCharacter(candidate.orderId, 'identifier');
  return [
    {
      path: 'orderId',
      code: found ? 'forbidden_character' : 'invalid_format',
      message: `orderId ${shownValue(candidate.orderId)} must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit${found ? ` (it holds ${found.what} at character ${found.index + 1})` : ''}`,
    },
  ];
}

/**
 * Validates a (normalised) candidate against the contract's PurchaseOrder and intake's own rules,
 * reporting every problem at once (a partner fixes one round trip, not one per problem), at most
 * {@link maxReasons} of them.
 */
export function validateOrder(candidate: OrderCandidate, context: ValidationContext): OrderValidation {
  const parsed = PurchaseOrder.safeParse(candidate);
  const reasons = [...(context.structural ?? [])];
  if (!parsed.success)
    reasons.push(...tightestLimits(parsed.error.issues).map((issue) => reasonFor(issue, candidate)));
  reasons.push(...intakeRules(candidate));
  reasons.push(...characterReasons(candidate));
  // A length the contract already refuses is not reported twice; where both set a floor, the SII's
  // is the higher (a unit price of at least 1, the contract's 0), so it is the one said.
  const limitReasons = dteRules(candidate).filter((r) => {
    const known = reasons.findIndex((k) => k.path === r.path);
    if (known === -1) return true;
    if (reasons[known]!.code === 'too_small' && r.code === 'too_small') reasons[known] = r;
    return false;
  });
  reasons.push(...limitReasons, ...plausibilityRules(candidate, context));
  if (reasons.length > 0 || !parsed.success) return { ok: false, reasons: capped(reasons) };
  return { ok: true, order: parsed.data };
}

function capped(reasons: RejectionReason[]): RejectionReason[] {
  if (reasons.length <= maxReasons) return reasons;
  return [
    ...reasons.slice(0, maxReasons - 1),
    {
      path: '(document)',
      code: 'too_many_problems',
      message: `and ${reasons.length - maxReasons + 1} more problems; fix the ones above and send the order again`,
    },
  ];
}

const characters = (value: string) => [...value].length;

/** Limits of the DTE the order becomes; the factura's only when it is one (a customer tax id). */
function dteRules(candidate: OrderCandidate): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  const tooLong = (path: string, value: unknown, limit: number, element: string) => {
    if (typeof value === 'string' && characters(value) > limit) {
      reasons.push({
        path,
        code: 'too_long',
        message: `${path} must be at most ${limit} characters (the SII's ${element}), got ${characters(value)}`,
      });
    }
  };
  const customer = asRecord(candidate.customer);
  tooLong('customer.name', customer?.name, dteLimits.customerName, 'RznSocRecep');
  if (typeof customer?.taxId === 'string') {
    const address = asRecord(candidate.shipping)?.address;
    tooLong('shipping.address', address, dteLimits.facturaAddress, 'DirRecep of a factura');
  }
  if (Array.isArray(candidate.lines)) {
    candidate.lines.forEach((line: unknown, index) => {
      const { sku, description, unitPrice } = asRecord(line) ?? {};
      tooLong(`lines[${index}].sku`, sku, dteLimits.sku, 'item code, VlrCodigo');
      tooLong(`lines[${index}].description`, description, dteLimits.description, 'item name, NmbItem');
      if (typeof unitPrice === 'number' && unitPrice < dteLimits.minUnitPrice) {
        reasons.push({
          path: `lines[${index}].unitPrice`,
          code: 'too_small',
          message: `lines[${index}].unitPrice must be at least ${dteLimits.minUnitPrice}: the SII refuses a line with a unit price of 0 or less (PrcItem), got ${unitPrice}`,
        });
      }
    });
    const factura = typeof customer?.taxId === 'string';
    if (factura && candidate.lines.length > dteLimits.facturaLines) {
      reasons.push({
        path: 'lines',
        code: 'too_many_lines',
        message: `an order with customer.taxId becomes a factura (DTE 33), which holds at most ${dteLimits.facturaLines} lines; got ${candidate.lines.length}. Split it into several orders`,
      });
    }
  }
  return reasons;
}

/** Dates that cannot be right, judged against the time the order arrived and the allowed clock skew. */
function plausibilityRules(
  candidate: OrderCandidate,
  { receivedAt, policy }: ValidationContext,
): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  const now = Date.parse(receivedAt);
  const placedAt = isoTime(candidate.placedAt);
  const dispatchBy = isoTime(candidate.dispatchBy);
  const skewMinutes = `${Math.round(policy.clockSkewMs / 60_000)} min`;
  if (placedAt !== undefined && placedAt > now + policy.clockSkewMs) {
    reasons.push({
      path: 'placedAt',
      code: 'placed_in_future',
      message: `placedAt ${String(candidate.placedAt)} is in the future (received at ${receivedAt}, allowing ${skewMinutes} of clock skew); check the sender's clock and time zone`,
    });
  }
  if (placedAt !== undefined && placedAt < Date.parse(policy.earliestPlacedAt)) {
    reasons.push({
      path: 'placedAt',
      code: 'placed_too_early',
      message: `placedAt ${String(candidate.placedAt)} is before ${policy.earliestPlacedAt}; an order cannot be that old, send the time it was placed`,
    });
  }
  if (dispatchBy !== undefined && dispatchBy < now - policy.clockSkewMs) {
    reasons.push({
      path: 'dispatchBy',
      code: 'dispatch_already_past',
      message: `dispatchBy ${String(candidate.dispatchBy)} had already passed when the order arrived (${receivedAt}); send a dispatch deadline still ahead`,
    });
  }
  return reasons;
}

function intakeRules(candidate: OrderCandidate): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  const customer = asRecord(candidate.customer);
  if (typeof customer?.taxId === 'string') {
    const rut = splitRut(customer.taxId);
    const expected = rut && rutCheckDigit(rut.body);
    if (rut && Number(rut.body) === 0) {
      reasons.push({
        path: 'customer.taxId',
        code: 'invalid_rut',
        message: `customer.taxId ${customer.taxId} has a body of 0, which is no taxpayer's RUT; check the RUT with the customer`,
      });
    } else if (rut && expected !== rut.checkDigit) {
      reasons.push({
        path: 'customer.taxId',
        code: 'invalid_rut_check_digit',
        message: `customer.taxId ${customer.taxId} has a wrong check digit (módulo 11 gives ${rut.body}-${expected}); check the RUT with the customer`,
      });
    }
  }
  const placedAt = isoTime(candidate.placedAt);
  const dispatchBy = isoTime(candidate.dispatchBy);
  if (placedAt !== undefined && dispatchBy !== undefined && dispatchBy < placedAt) {
    reasons.push({
      path: 'dispatchBy',
      code: 'dispatch_before_placed',
      message: `dispatchBy ${String(candidate.dispatchBy)} is before placedAt ${String(candidate.placedAt)}; an order cannot be due before it was placed`,
    });
  }
  if (Array.isArray(candidate.lines)) {
    // Duplicate SKUs are refused: a repeated line is far more often a partner's retry or merge bug than
    // intent, and it would print the same item twice on the DTE and double-count top products.
    // Merging quantities is a one-line fix for the partner.
    const firstIndexBySku = new Map<string, number>();
    let total = 0;
    candidate.lines.forEach((line: unknown, index) => {
      const { sku, quantity, unitPrice } = asRecord(line) ?? {};
      if (typeof sku === 'string' && sku !== '') {
        const first = firstIndexBySku.get(sku);
        if (first === undefined) firstIndexBySku.set(sku, index);
        else {
          reasons.push({
            path: `lines[${index}].sku`,
            code: 'duplicate_sku',
            message: `lines[${index}].sku ${sku} already appears in lines[${first}]; send one line per SKU with the total quantity`,
          });
        }
      }
      if (Number.isSafeInteger(quantity) && Number.isSafeInteger(unitPrice))
        total += Number(quantity) * Number(unitPrice);
    });
    // Money is whole pesos in JS numbers: past 2^53 the DTE totals would silently lose pesos.
    if (!Number.isSafeInteger(total)) {
      reasons.push({
        path: 'lines',
        code: 'total_too_large',
        message: 'the order total (sum of quantity × unitPrice) is too large to be represented exactly',
      });
    }
  }
  return reasons;
}

/**
 * `.int().max(1_000_000)` fails twice for 1e300 (over 2^53, over 1,000,000): a partner told both
 * limits of one field cannot tell which holds. Only the tightest upper limit of a field is kept.
 */
function tightestLimits(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.filter(
    (issue) =>
      issue.code !== 'too_big' ||
      !issues.some(
        (other) =>
          other.code === 'too_big' &&
          pathOf(other.path) === pathOf(issue.path) &&
          Number(other.maximum) < Number(issue.maximum),
      ),
  );
}

function reasonFor(issue: z.core.$ZodIssue, candidate: OrderCandidate): RejectionReason {
  const path = pathOf(issue.path);
  const value = valueAt(candidate, issue.path);
  const at = path === '(document)' ? 'the order' : path;
  const shown = shownValue(value);
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return { path, code: 'required', message: `${at} is required` };
      const decimal =
        typeof value === 'number' || (typeof value === 'string' && /^\s*[+-]?\d*\.\d+\s*$/.test(value));
      if ((issue.expected === 'int' || issue.expected === 'number') && decimal) {
        return {
          path,
          code: 'not_integer',
          message: `${at} must be a whole number without decimals (pesos have no cents), got ${shown}`,
        };
      }
      const expected = {
        string: 'text',
        number: 'a number',
        int: 'a whole number',
        array: 'a list',
        object: 'an object',
      }[issue.expected as string];
      return {
        path,
        code: 'invalid_type',
        message: `${at} must be ${expected ?? issue.expected}, got ${shown}`,
      };
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return { path, code: 'empty', message: `${at} must not be empty` };
      if (issue.origin === 'array') {
        return {
          path,
          code: 'too_few',
          message: `${at} must have at least ${min} item${min === 1 ? '' : 's'}`,
        };
      }
      return {
        path,
        code: 'too_small',
        message: `${at} must be ${issue.inclusive ? 'at least' : 'greater than'} ${min}, got ${shown}`,
      };
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string')
        return { path, code: 'too_long', message: `${at} must be at most ${max} characters` };
      if (issue.origin === 'array')
        return { path, code: 'too_many', message: `${at} must have at most ${max} items` };
      return { path, code: 'too_large', message: `${at} must be at most ${max}, got ${shown}` };
    }
    case 'invalid_format':
      if (issue.format === 'email') {
        return {
          path,
          code: 'invalid_email',
          message: `${at} must be an email address like ana@example.cl, got ${shown}`,
        };
      }
      if (issue.format === 'datetime') {
        return {
          path,
          code: 'invalid_datetime',
          message: `${at} must be a UTC date-time like 2026-11-24T10:00:00Z, got ${shown}`,
        };
      }
      // The contract's own patterns carry partner-facing messages ("must be a RUT without dots, like 76123456-0").
      return { path, code: 'invalid_format', message: `${at} ${issue.message}, got ${shown}` };
    case 'invalid_value':
      return {
        path,
        code: 'unsupported_value',
        message: `${at} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${shown}`,
      };
    default:
      return { path, code: issue.code, message: `${at}: ${issue.message}` };
  }
}

/** `lines[1].unitPrice`: the JSON field names partners see, list positions counted from 0. */
export function pathOf(path: readonly PropertyKey[]): string {
  const text = path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return text === '' ? '(document)' : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isoTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !PurchaseOrder.shape.placedAt.safeParse(value).success) return undefined;
  return Date.parse(value);
}
