import { PurchaseOrder, type RejectionReason } from '@mtd/contracts';
import type { z } from 'zod';
import type { OrderValidation } from '#domain/receiveOrder';
import { rutCheckDigit, splitRut } from '#domain/rut';

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
  return [
    {
      path: 'orderId',
      code: 'invalid_format',
      message: `orderId ${JSON.stringify(candidate.orderId)} must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    },
  ];
}

/**
 * Validates a candidate against the contract's PurchaseOrder and intake's own rules, reporting every
 * problem at once (a partner fixes one round trip, not one per problem).
 */
export function validateOrder(candidate: OrderCandidate): OrderValidation {
  const parsed = PurchaseOrder.safeParse(candidate);
  const reasons = parsed.success ? [] : parsed.error.issues.map((issue) => reasonFor(issue, candidate));
  reasons.push(...intakeRules(candidate));
  if (reasons.length > 0 || !parsed.success) return { ok: false, reasons };
  return { ok: true, order: parsed.data };
}

function intakeRules(candidate: OrderCandidate): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  const customer = asRecord(candidate.customer);
  if (typeof customer?.taxId === 'string') {
    const rut = splitRut(customer.taxId);
    const expected = rut && rutCheckDigit(rut.body);
    if (rut && expected !== rut.checkDigit) {
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

function reasonFor(issue: z.core.$ZodIssue, candidate: OrderCandidate): RejectionReason {
  const path = pathOf(issue.path);
  const value = valueAt(candidate, issue.path);
  const at = path === '(document)' ? 'the order' : path;
  const shown = JSON.stringify(value);
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
      // The contract's own patterns carry partner-facing messages ("must be a RUT like 76123456-7").
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
