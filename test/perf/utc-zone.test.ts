/**
 * UTC zones are handled without Intl (start-up: the first Intl time-zone call loads ICU's zone
 * data); they must give exactly what Intl gives.
 */
import { describe, expect, it } from 'vitest';
import { formatIso, isValidZone, localZone } from '../../src/schedule/time.js';
import { rawOffset, UTC_NAMES, zoneModel } from '../../src/schedule/zone.js';

describe('UTC zones without Intl', () => {
  it('every UTC name is valid, has offset 0 at any instant, as Intl says, and formats as +00:00', () => {
    const instants = [-2_000_000_000, 0, 1_700_000_000.25, 4_000_000_000];
    for (const zone of UTC_NAMES) {
      expect(isValidZone(zone)).toBe(true);
      expect(new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone).toBe('UTC');
      for (const t of instants) {
        expect(zoneModel(zone).offsetAt(t)).toBe(0);
        expect(rawOffset(t, zone)).toBe(0);
      }
      expect(formatIso(1_700_000_000.25, zone)).toBe('2023-11-14T22:13:20.250000+00:00');
    }
  });

  it('the host zone found without Intl is the one Intl reports', () => {
    const saved = process.env['TZ'];
    try {
      delete process.env['TZ'];
      expect(localZone()).toBe(new Intl.DateTimeFormat().resolvedOptions().timeZone);
    } finally {
      if (saved !== undefined) process.env['TZ'] = saved;
    }
  });
});
