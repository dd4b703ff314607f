/**
 * Time-zone arithmetic on IANA zones through Intl (no fixed offsets). A zone's UTC offsets are
 * probed once per ~388-day chunk and cached as a list of transitions, so the hot path
 * (`offsetAt`, `segmentAt`) is a binary search, not an Intl call.
 *
 * "Wall seconds" are the local date-time of a zone written as if it were UTC epoch seconds
 * (`Date.UTC(y, m-1, d, h, mi, s) / 1000`).
 */

/** Seconds per cache chunk (2^25 s ≈ 388 days). */
const CHUNK = 2 ** 25;
/** Distance between offset probes inside a chunk; transitions closer than this can be missed. */
const PROBE = 86_400;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Names Intl resolves to UTC, whose offset is always 0. Their models never ask Intl: the first
 * Intl time-zone call of a process loads ICU's zone data (about 10 ms), which a command on a
 * UTC host would pay for nothing (docs/BENCHMARKS.md, "Start-up").
 */
export const UTC_NAMES: ReadonlySet<string> = new Set([
  'UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu',
]);

/** An Intl formatter for `zone` giving numeric, 24-hour parts; throws RangeError for a bad zone. */
export function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

const NUMERIC = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

/** Wall seconds of the whole-second instant `t` in `zone`, straight from Intl. */
function wallOf(t: number, zone: string): number {
  // format() and a regular expression: several times faster than formatToParts().
  const text = zoneFormatter(zone).format(new Date(t * 1000));
  const m = NUMERIC.exec(text);
  if (m === null) throw new RangeError(`unexpected Intl date format "${text}" for zone ${zone}`);
  const [, mo, d, y, h, mi, s] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  return date.getTime() / 1000;
}

/** Offset (seconds east of UTC) of `zone` at instant `t`, straight from Intl. */
export function rawOffset(t: number, zone: string): number {
  const whole = Math.floor(t);
  return wallOf(whole, zone) - whole;
}

interface Transition {
  /** First whole-second instant with the new offset. */
  readonly at: number;
  /** Offset from `at` on. */
  readonly offset: number;
  /** Offset before `at`. */
  readonly before: number;
}

interface Chunk {
  /** Offset at the instant just before the chunk. */
  readonly beforeOffset: number;
  /** Transitions with `at` inside the chunk, ascending. */
  readonly transitions: readonly Transition[];
}

/** A stretch of instants [from, to) with one offset; `previousOffset` is the offset before `from`. */
export interface Segment {
  readonly from: number;
  readonly to: number;
  readonly offset: number;
  readonly previousOffset: number;
}

/** Cached offsets of one IANA zone. */
export class ZoneModel {
  private readonly chunks = new Map<number, Chunk>();

  private readonly utc: boolean;

  constructor(readonly zone: string) {
    this.utc = UTC_NAMES.has(zone);
    if (!this.utc) zoneFormatter(zone);
  }

  private chunk(index: number): Chunk {
    let c = this.chunks.get(index);
    if (c !== undefined) return c;
    if (this.utc) {
      c = { beforeOffset: 0, transitions: [] };
      this.chunks.set(index, c);
      return c;
    }
    const start = index * CHUNK;
    const end = start + CHUNK;
    const transitions: Transition[] = [];
    const beforeOffset = rawOffset(start - 1, this.zone);
    let lo = start - 1;
    let loOffset = beforeOffset;
    while (lo < end - 1) {
      const p = Math.min(lo + PROBE, end - 1);
      const pOffset = rawOffset(p, this.zone);
      if (pOffset !== loOffset) {
        // Binary search for the first second with a different offset in (lo, p].
        let a = lo;
        let b = p;
        while (b - a > 1) {
          const m = Math.floor((a + b) / 2);
          if (rawOffset(m, this.zone) === loOffset) a = m;
          else b = m;
        }
        const bOffset = b === p ? pOffset : rawOffset(b, this.zone);
        transitions.push({ at: b, offset: bOffset, before: loOffset });
        // Rare: a second change between b and p; probe again from b.
        lo = b;
        loOffset = bOffset;
        continue;
      }
      lo = p;
      loOffset = pOffset;
    }
    c = { beforeOffset, transitions };
    this.chunks.set(index, c);
    return c;
  }

  /** Offset (seconds east of UTC) at instant `t`. */
  offsetAt(t: number): number {
    const whole = Math.floor(t);
    const c = this.chunk(Math.floor(whole / CHUNK));
    let offset = c.beforeOffset;
    for (const tr of c.transitions) {
      if (tr.at > whole) break;
      offset = tr.offset;
    }
    return offset;
  }

  /** Wall seconds of instant `t` (fraction kept). */
  wallAt(t: number): number {
    return t + this.offsetAt(t);
  }

  /** The last transition at or before `t`, looking back at most `horizon` seconds. */
  private transitionAtOrBefore(t: number, horizon: number): Transition | undefined {
    for (let ci = Math.floor(t / CHUNK); (ci + 1) * CHUNK > t - horizon; ci--) {
      const list = this.chunk(ci).transitions;
      for (let k = list.length - 1; k >= 0; k--) {
        const tr = list[k] as Transition;
        if (tr.at <= t) return tr.at >= t - horizon ? tr : undefined;
      }
    }
    return undefined;
  }

  /** The first transition after `t`, looking ahead at most `horizon` seconds. */
  private transitionAfter(t: number, horizon: number): Transition | undefined {
    for (let ci = Math.floor(t / CHUNK); ci * CHUNK <= t + horizon; ci++) {
      for (const tr of this.chunk(ci).transitions) {
        if (tr.at > t) return tr.at <= t + horizon ? tr : undefined;
      }
    }
    return undefined;
  }

  /**
   * The constant-offset stretch containing the whole-second instant `t`, its start searched at
   * most `back` seconds before, its end at most `ahead` seconds after (a farther end is reported
   * as that bound, with no offset change there).
   */
  segmentAt(t: number, back: number, ahead: number): Segment {
    const offset = this.offsetAt(t);
    const before = this.transitionAtOrBefore(t, back);
    const after = this.transitionAfter(t, ahead);
    return {
      from: before === undefined ? t - back : before.at,
      to: after === undefined ? t + ahead + 1 : after.at,
      offset,
      previousOffset: before === undefined ? offset : before.before,
    };
  }

  /**
   * The instants whose wall time is `wall` (whole seconds): one, or two (ascending) in a repeated
   * hour; none in a spring-forward gap, where `gapEnd` is the first instant after the gap and
   * `offsetBefore` the offset in effect before it.
   */
  resolveWall(wall: number): { instants: number[]; gapEnd: number; offsetBefore: number } {
    const guess = wall - this.offsetAt(wall);
    const instants: number[] = [];
    for (const probe of [guess - 86_400, guess, guess + 86_400]) {
      const o = this.offsetAt(probe);
      const t = wall - o;
      if (this.offsetAt(t) === o && !instants.includes(t)) instants.push(t);
    }
    instants.sort((a, b) => a - b);
    if (instants.length > 0) return { instants, gapEnd: NaN, offsetBefore: NaN };
    const offsetBefore = this.offsetAt(guess - 86_400);
    const gapEnd = this.segmentAt(wall - offsetBefore, 2 * 86_400, 0).from;
    return { instants, gapEnd, offsetBefore };
  }

  /**
   * The instant of wall time `wall`: the earlier one when it occurs twice, the one computed with
   * the offset before the gap when it does not exist (so 02:30 in a one-hour spring-forward gap
   * is 03:30 after it), like Temporal's "compatible" disambiguation.
   */
  instantOf(wall: number): number {
    const whole = Math.floor(wall);
    const r = this.resolveWall(whole);
    const first = r.instants[0];
    return (first ?? whole - r.offsetBefore) + (wall - whole);
  }
}

const models = new Map<string, ZoneModel>();

/** The shared, cached model of `zone`; throws RangeError for a zone Intl does not know. */
export function zoneModel(zone: string): ZoneModel {
  let m = models.get(zone);
  if (m === undefined) {
    m = new ZoneModel(zone);
    models.set(zone, m);
  }
  return m;
}
