/** A range of folios the SII authorised (a CAF's RNG: D..H, both included). */
export interface FolioRange {
  from: number;
  to: number;
}

/**
 * The next folio after `last` that an authorised range holds, or undefined when none does: folios are
 * taken in order, only from CAF ranges (DESIGN §5.2), so a range below `last` is spent and a gap
 * between two ranges is not ours to use.
 */
export function nextAuthorizedFolio(ranges: readonly FolioRange[], last: number): number | undefined {
  let next: number | undefined;
  for (const { from, to } of ranges) {
    if (to <= last) continue;
    const candidate = Math.max(from, last + 1);
    if (next === undefined || candidate < next) next = candidate;
  }
  return next;
}

/** Up to `count` authorised folios just below `folio`, lowest first. */
export function authorizedFoliosBelow(ranges: readonly FolioRange[], folio: number, count: number): number[] {
  const below = new Set<number>();
  const highestFirst = [...ranges].sort((a, b) => b.to - a.to);
  for (const { from, to } of highestFirst) {
    for (let f = Math.min(to, folio - 1); f >= from && below.size < count; f--) below.add(f);
  }
  return [...below].sort((a, b) => a - b).slice(-count);
}

/** How many authorised folios are left after `folio` (the one just taken). */
export function foliosLeftAfter(ranges: readonly FolioRange[], folio: number): number {
  return ranges.reduce(
    (left, { from, to }) => left + (to > folio ? to - Math.max(from, folio + 1) + 1 : 0),
    0,
  );
}

/** The range holding `folio`, if any. */
export function rangeHolding<R extends FolioRange>(ranges: readonly R[], folio: number): R | undefined {
  return ranges.find((r) => r.from <= folio && folio <= r.to);
}

/**
 * Whether taking a folio that leaves `remaining` should warn operations: at the low-water mark, then
 * every tenth of it, then at each of the last ten. Each folio is taken once, so each warning is given
 * once, however many writers take folios.
 */
export function warnsAt(remaining: number, lowWater: number): boolean {
  if (remaining > lowWater) return false;
  const step = Math.max(1, Math.floor(lowWater / 10));
  return remaining === lowWater || remaining % step === 0 || remaining < 10;
}
