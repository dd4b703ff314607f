/** Text the daemon logs, in the original's formats. */
import type { EpochSeconds } from '../clock.js';

/**
 * A duration as Python's `str(datetime.timedelta)` writes it, which is what the original logs
 * ("Finished with status 0 in 0:00:01.020000"): `H:MM:SS`, microseconds when not zero, and
 * `N day(s), ` in front from one day on. Negative durations get a leading "-".
 */
export function formatTimedelta(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 0) return `-${formatTimedelta(-seconds)}`;
  const totalMicros = Math.round(seconds * 1e6);
  const micros = totalMicros % 1_000_000;
  let rest = Math.floor(totalMicros / 1_000_000);
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const dayText = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ` : '';
  return `${dayText}${h}:${pad(m)}:${pad(s)}${micros > 0 ? `.${pad(micros, 6)}` : ''}`;
}

/** Quotes one word as Python's `shlex.quote` does (the original logs commands this way). */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** A command line for the log: each word quoted, joined by spaces. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** A local wall-clock time for log lines, like Python's `str(datetime)`: `2026-11-30 04:20:38.123456`. */
export function formatLocalTime(t: EpochSeconds): string {
  const d = new Date(Math.floor(t * 1000));
  const micros = Math.round((t - Math.floor(t)) * 1e6) % 1_000_000;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return micros > 0 ? `${base}.${pad(micros, 6)}` : base;
}
