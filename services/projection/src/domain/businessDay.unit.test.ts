import { describe, expect, it } from 'vitest';
import { businessDayOf, isBusinessDay } from '#domain/businessDay';

describe('business day', () => {
  it('is the calendar date in the time zone', () => {
    expect(businessDayOf('2026-11-24T02:59:59.000Z', 'America/Santiago')).toBe('2026-11-23');
    expect(businessDayOf('2026-11-24T03:00:00.000Z', 'America/Santiago')).toBe('2026-11-24');
    expect(businessDayOf(new Date('2026-06-24T03:59:00.000Z'), 'America/Santiago')).toBe('2026-06-23');
  });

  it('accepts only real YYYY-MM-DD dates', () => {
    expect(isBusinessDay('2026-11-24')).toBe(true);
    expect(isBusinessDay('2026-02-30')).toBe(false);
    expect(isBusinessDay('2026-13-01')).toBe(false);
    expect(isBusinessDay('24-11-2026')).toBe(false);
    expect(isBusinessDay('2026-11-24T00:00')).toBe(false);
  });
});
