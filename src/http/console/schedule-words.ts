/**
 * A schedule in words for the job page ("every day at 03:00", "every 15 minutes"): the common
 * cron shapes, and RRULE through the rrule library's own text. Anything else is described as
 * what it is ("a cron schedule"), next to the expression and its next fire times, which say it all.
 */
import rrulePackage from 'rrule';
import { ALIASES } from '../../schedule/cron.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const NAMED_DAYS: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

/** A fixed value, hashed (H), or null for anything more complex. */
function single(field: string): number | 'H' | null {
  if (/^\d{1,2}$/.test(field)) return Number(field);
  if (field === 'H') return 'H';
  return null;
}

const two = (n: number): string => String(n).padStart(2, '0');

function timeOf(minute: number | 'H', hour: number | 'H'): string {
  if (hour === 'H') return 'at a time picked for the job';
  if (minute === 'H') return `at a minute of hour ${two(hour)} picked for the job`;
  return `at ${two(hour)}:${two(minute)}`;
}

/** The expression in words, or null when it is not one of the common shapes. */
export function scheduleInWords(expression: string): string | null {
  const text = expression.trim();
  if (/^RRULE:/i.test(text)) {
    try {
      // rrule is CommonJS: its functions come from the default export under Node's ESM.
      return rrulePackage.rrulestr(text).toText();
    } catch (err) {
      void err; // The schedule module reports bad rules; the page shows the expression anyway.
      return null;
    }
  }
  const expanded = text.startsWith('@') ? ALIASES[text.toLowerCase()] : text;
  if (expanded === undefined) return null;
  const f = expanded.split(/\s+/);
  if (f.length !== 5 && f.length !== 6) return null;
  const [min, hour, dom, mon, dow] = f as [string, string, string, string, string];
  const second = f.length === 6 ? (f[5] as string) : 'H';
  if (second === '*' && min === '*' && hour === '*' && dom === '*' && mon === '*' && dow === '*') return 'every second';
  const everyS = /^\*\/(\d+)$/.exec(second);
  if (everyS && min === '*' && hour === '*' && dom === '*' && mon === '*' && dow === '*') return `every ${everyS[1]} seconds`;
  if (single(second) === null) return null;
  if (min === '*' && hour === '*' && dom === '*' && mon === '*' && dow === '*') return 'every minute';
  const everyM = /^(?:\*|H)\/(\d+)$/.exec(min);
  if (everyM && hour === '*' && dom === '*' && mon === '*' && dow === '*') return `every ${everyM[1]} minutes`;
  const m = single(min);
  if (m === null) return null;
  if (hour === '*' && dom === '*' && mon === '*' && dow === '*') return m === 'H' ? 'every hour, at a minute picked for the job' : `every hour at minute ${m}`;
  const h = single(hour);
  if (h === null) return null;
  const at = timeOf(m, h);
  if (dom === '*' && mon === '*' && dow === '*') return `every day ${at}`;
  if (dom === '*' && mon === '*') {
    const d = single(dow) ?? NAMED_DAYS[dow.toUpperCase()] ?? null;
    if (d === 'H') return `once a week ${at}`;
    if (typeof d === 'number' && d <= 7) return `every ${DAYS[d]} ${at}`;
    if (/^(1-5|MON-FRI)$/i.test(dow)) return `every weekday ${at}`;
    return null;
  }
  if (mon === '*' && dow === '*') {
    const d = single(dom);
    if (d === 'H') return `once a month ${at}`;
    if (typeof d === 'number') return `on day ${d} of every month ${at}`;
  }
  return null;
}
