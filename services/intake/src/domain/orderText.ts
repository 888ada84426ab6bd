import type { RejectionReason } from '@mtd/contracts';
import type { OrderCandidate } from '#domain/validateOrder';

/**
 * How a text field may be written:
 * - `identifier`: ids, SKUs, codes, dates, the email: one line, no space other than U+0020;
 * - `line`: a person's or a product's name, a description: one line, no space other than U+0020;
 * - `lines`: the shipping address: may also hold line feeds and tabs.
 */
export type TextKind = 'identifier' | 'line' | 'lines';

/** Every text field intake reads, with its kind: the character policy's one list. */
const fieldKinds = {
  orderId: 'identifier',
  channel: 'identifier',
  placedAt: 'identifier',
  currency: 'identifier',
  dispatchBy: 'identifier',
  customer: { id: 'identifier', taxId: 'identifier', name: 'line', email: 'identifier' },
  lines: { sku: 'identifier', description: 'line' },
  shipping: { region: 'identifier', address: 'lines' },
} as const satisfies Record<string, TextKind | Record<string, TextKind>>;

// Unicode White_Space, trimmed at both ends of every field in XML and in JSON alike.
const edgeSpace = /^\p{White_Space}+|\p{White_Space}+$/gu;
// Never allowed: controls (C0, DEL, C1: ESC included), format characters (zero-width space and
// joiners, bidi overrides, the BOM, soft hyphen), other default-ignorable characters (variation
// selectors, Hangul fillers), line and paragraph separators, private use, lone surrogates and
// non-characters. None of them prints, several of them reorder or hide what an operator sees.
// U+FFFD is refused too: it prints, but only ever stands for text lost to a wrong encoding.
const invisible =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/u;
const specialSpace = /[^\P{White_Space} ]/u;

/**
 * The text of a field as intake keeps it: Unicode NFC (so `é` typed as e + combining accent and
 * the precomposed `é` are the same customer, the same hash), without white space at either end.
 *
 * @example normaliseText('  Ana Pe\u0301rez\n') // 'Ana Pérez'
 */
export function normaliseText(value: string): string {
  return value.normalize('NFC').replace(edgeSpace, '');
}

/**
 * A candidate with every known text field normalised ({@link normaliseText}), and the RUT's check
 * digit `k` written `K` as the SII writes it, so `k` and `K` are the same customer and resending
 * either is the same order. Values that are not text are left for validation to report.
 */
export function normaliseCandidate(candidate: OrderCandidate): OrderCandidate {
  const text = (value: unknown) => (typeof value === 'string' ? normaliseText(value) : value);
  const record = (value: unknown, keys: readonly string[]) =>
    isRecord(value)
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keys.includes(k) ? text(v) : v]))
      : value;
  const customer = record(candidate.customer, Object.keys(fieldKinds.customer));
  if (isRecord(customer) && typeof customer.taxId === 'string') {
    customer.taxId = customer.taxId.replace(/k$/, 'K');
  }
  return dropUndefined({
    orderId: text(candidate.orderId),
    channel: text(candidate.channel),
    placedAt: text(candidate.placedAt),
    currency: text(candidate.currency),
    customer,
    lines: Array.isArray(candidate.lines)
      ? candidate.lines.map((line: unknown) => record(line, Object.keys(fieldKinds.lines)))
      : candidate.lines,
    shipping: record(candidate.shipping, Object.keys(fieldKinds.shipping)),
    dispatchBy: text(candidate.dispatchBy),
  });
}

/** The first character a field of this kind may not hold, with its position (in characters, from 0). */
export function forbiddenCharacter(
  value: string,
  kind: TextKind,
): { codePoint: number; index: number; what: string } | undefined {
  let index = 0;
  for (const char of value) {
    const codePoint = char.codePointAt(0)!;
    const what = describeForbidden(char, codePoint, kind);
    if (what) return { codePoint, index, what };
    index++;
  }
  return undefined;
}

function describeForbidden(char: string, codePoint: number, kind: TextKind): string | undefined {
  if (kind === 'lines' && (char === '\n' || char === '\t')) return undefined;
  if (codePoint === 0x1b) return 'an escape character';
  if (char === '\n' || char === '\r' || codePoint === 0x85 || char === '\u2028' || char === '\u2029')
    return 'a line break';
  if (char === '\t') return 'a tab';
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 'half of a surrogate pair';
  if (codePoint === 0xfffd) return 'a replacement character: the text was mis-decoded before it was sent';
  if (invisible.test(char)) {
    if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)) return 'a control character';
    if (/\p{Co}/u.test(char)) return 'a private-use character';
    if (/\p{Noncharacter_Code_Point}/u.test(char)) return 'a non-character';
    return 'an invisible character (zero-width, direction or format control)';
  }
  if (specialSpace.test(char)) return 'a special space (use a plain space)';
  return undefined;
}

/** One reason per text field holding a character its kind forbids, with the field's path. */
export function characterReasons(candidate: OrderCandidate): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  const check = (path: string, value: unknown, kind: TextKind) => {
    if (typeof value !== 'string') return;
    const found = forbiddenCharacter(value, kind);
    if (!found) return;
    const code = `U+${found.codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
    reasons.push({
      path,
      code: 'forbidden_character',
      message: `${path} contains ${code} (${found.what}) at character ${found.index + 1}; remove it and send the order again`,
    });
  };
  for (const key of ['orderId', 'channel', 'placedAt', 'currency', 'dispatchBy'] as const) {
    check(key, candidate[key], fieldKinds[key]);
  }
  const groups = [
    ['customer', candidate.customer, fieldKinds.customer],
    ['shipping', candidate.shipping, fieldKinds.shipping],
  ] as const;
  for (const [name, value, kinds] of groups) {
    if (!isRecord(value)) continue;
    for (const [key, kind] of Object.entries(kinds)) check(`${name}.${key}`, value[key], kind);
  }
  if (Array.isArray(candidate.lines)) {
    candidate.lines.forEach((line: unknown, index) => {
      if (!isRecord(line)) return;
      for (const [key, kind] of Object.entries(fieldKinds.lines))
        check(`lines[${index}].${key}`, line[key], kind);
    });
  }
  return reasons;
}

/**
 * A value as a partner-facing message shows it: JSON, at most 60 characters, with every character
 * the policy forbids written as an escape, so a message (and `mtd trace`) never prints one raw.
 */
export function shownValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  const chars = [...text];
  const cut = chars.length > 60 ? `${chars.slice(0, 57).join('')}…` : text;
  return cut.replace(
    /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function dropUndefined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
