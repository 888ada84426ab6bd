/** A calendar day as written in the API and the day index: YYYY-MM-DD. */
export const businessDayPattern = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

// Formatters are costly to build and immutable once built; one per time zone is enough.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The calendar day (YYYY-MM-DD) of an instant in a time zone: an order received at
 * 2026-11-24T02:00:00Z belongs to 2026-11-23 in America/Santiago (UTC-3 in summer).
 */
export function businessDayOf(instant: string | Date, timeZone: string): string {
  const time = typeof instant === 'string' ? new Date(instant) : instant;
  // An order's view is derived again at each of its events, and formatToParts was ~2% of a
  // rebuild's CPU. Every zone's offset has been whole minutes since 1972 (IANA), so all instants of
  // a UTC minute share their day: one formatting per minute and zone.
  const minute = Math.floor(time.getTime() / 60_000);
  const key = `${timeZone} ${minute}`;
  let day = daysOfMinutes.get(key);
  if (day === undefined) {
    if (daysOfMinutes.size >= maxDaysOfMinutes) daysOfMinutes.clear();
    day = formatDay(new Date(minute * 60_000), timeZone);
    daysOfMinutes.set(key, day);
  }
  return day;
}

const daysOfMinutes = new Map<string, string>();
/** Two days and more of minutes with orders: well under a MB. */
const maxDaysOfMinutes = 4_096;

function formatDay(instant: Date, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

export function isBusinessDay(value: string): boolean {
  if (!businessDayPattern.test(value)) return false;
  // Round-trip so 2026-02-30 (which Date would roll over to March) is refused.
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant on a time zone's wall clock, to the second: `2026-11-24 10:00:05` for
 * 2026-11-24T13:00:05Z in America/Santiago (the Swedish locale writes ISO-like dates).
 */
export function clockTimeOf(instant: string, timeZone: string): string {
  let formatter = clockFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' });
    clockFormatters.set(timeZone, formatter);
  }
  return formatter.format(new Date(instant));
}

/**
 * The same with the zone named, for text meant for people (timeline summaries):
 * `2026-11-24 10:00:05 (America/Santiago)`. Data keeps the UTC instant.
 */
export function localTimeOf(instant: string, timeZone: string): string {
  return `${clockTimeOf(instant, timeZone)} (${timeZone})`;
}
