/** Times in the simulation's reports: wall time with weekday and offset in the display zone. */
import type { EpochSeconds } from '../clock.js';
import { formatIso } from '../schedule/time.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Mon 2026-12-07 03:00:00 +01:00" (fractions of a second shown when there are any). */
export function formatWhen(t: EpochSeconds, zone: string): string {
  const iso = formatIso(t, zone, Number.isInteger(Math.round(t * 1000) / 1000) ? 0 : 3);
  const m = /^(-?\d+)-(\d\d)-(\d\d)T([\d:.]+)([+-][\d:]+)$/.exec(iso);
  if (m === null) return iso;
  const [, y, mo, d, time, offset] = m;
  const day = WEEKDAYS[new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay()] ?? '';
  return `${day} ${y}-${mo}-${d} ${time} ${offset}`;
}
