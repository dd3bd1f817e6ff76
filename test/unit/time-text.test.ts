/**
 * The text shortcuts on the hot paths agree with the Date arithmetic they replace: iso() on
 * PostgreSQL's UTC millisecond text (lib/store/postgres/rows.ts) and the usage window starts
 * (lib/usage/windows.ts), over instants across years, month ends and leap days.
 */
import { describe, expect, it } from 'vitest';
import { iso } from '../../lib/store/postgres/rows.js';
import { dayStart, monthStart } from '../../lib/usage/windows.js';

const instants = [
  '0001-01-01T00:00:00.000Z',
  '1999-12-31T23:59:59.999Z',
  '2024-02-29T12:00:00.100Z',
  '2026-11-22T14:37:00.120Z',
  '2026-12-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  ...Array.from({ length: 200 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 7_654_321_987).toISOString()),
];

/** What PostgreSQL prints for a timestamptz(3) in a UTC session: trailing zeros of the fraction dropped. */
function pgText(instant: string): string {
  const fraction = instant.slice(20, 23).replace(/0+$/, '');
  return `${instant.slice(0, 10)} ${instant.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

describe('time text shortcuts', () => {
  it('iso() of PostgreSQL UTC text is the instant itself', () => {
    for (const instant of instants) expect(iso(pgText(instant))).toBe(instant);
  });

  it('iso() still reads other offsets, more digits and Dates through the general path', () => {
    expect(iso('2026-11-22 15:37:00.123+01')).toBe('2026-11-22T14:37:00.123Z');
    expect(iso('2026-11-22 14:37:00.123456+00')).toBe('2026-11-22T14:37:00.123Z');
    expect(iso('2026-11-22 20:07:00+05:30')).toBe('2026-11-22T14:37:00.000Z');
    expect(iso(new Date('2026-11-22T14:37:00.123Z'))).toBe('2026-11-22T14:37:00.123Z');
    expect(() => iso('infinity')).toThrow(/Unexpected timestamp/);
  });

  it('dayStart and monthStart agree with Date arithmetic', () => {
    // Date.UTC reads years 0–99 as 1900–1999, so the first years are checked by their text.
    expect(dayStart('0001-01-01T10:00:00.000Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(monthStart('0042-03-09T10:00:00.000Z')).toBe('0042-03-01T00:00:00.000Z');
    for (const instant of instants.filter((i) => i >= '0100')) {
      const d = new Date(instant);
      expect(dayStart(instant)).toBe(
        new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())).toISOString(),
      );
      expect(monthStart(instant)).toBe(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString());
    }
  });
});
