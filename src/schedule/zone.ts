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

/** An Intl formatter for `zone` giving numeric, 24-hour parts; throws RangeError for a bad zone. */
export function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
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

/** Wall seconds of the whole-second instant `t` in `zone`, straight from Intl. */
function wallOf(t: number, zone: string): number {
  const parts = zoneFormatter(zone).formatToParts(new Date(t * 1000));
  let y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0, bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      case 'era': bc = p.value.startsWith('B'); break;
      default: break;
    }
  }
  if (bc) y = 1 - y;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
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
  readonly offset: number;
}

interface Chunk {
  /** Offset at the chunk's first instant. */
  readonly startOffset: number;
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

  constructor(readonly zone: string) {
    zoneFormatter(zone);
  }

  private chunk(index: number): Chunk {
    let c = this.chunks.get(index);
    if (c !== undefined) return c;
    const start = index * CHUNK;
    const end = start + CHUNK;
    const transitions: Transition[] = [];
    const startOffset = rawOffset(start, this.zone);
    let lo = start;
    let loOffset = startOffset;
    for (let probe = start + PROBE; lo < end; probe += PROBE) {
      const p = Math.min(probe, end);
      const pOffset = rawOffset(p, this.zone);
      if (pOffset !== loOffset) {
        // Binary search for the first second with the new offset in (lo, p].
        let a = lo;
        let b = p;
        while (b - a > 1) {
          const m = Math.floor((a + b) / 2);
          if (rawOffset(m, this.zone) === loOffset) a = m;
          else b = m;
        }
        if (b < end) transitions.push({ at: b, offset: pOffset });
      }
      lo = p;
      loOffset = pOffset;
    }
    c = { startOffset, transitions };
    this.chunks.set(index, c);
    return c;
  }

  /** Offset (seconds east of UTC) at instant `t`. */
  offsetAt(t: number): number {
    const whole = Math.floor(t);
    const c = this.chunk(Math.floor(whole / CHUNK));
    let offset = c.startOffset;
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

  /**
   * The constant-offset stretch containing instant `t` (a whole second), searching at most
   * `horizon` seconds either way for its ends (beyond that the ends are reported as the bound).
   */
  segmentAt(t: number, horizon: number): Segment {
    const offset = this.offsetAt(t);
    let from = t - horizon;
    let previousOffset = offset;
    // Backward: last transition at or before t.
    for (let ci = Math.floor(t / CHUNK); ci * CHUNK + CHUNK > t - horizon; ci--) {
      const c = this.chunk(ci);
      let found: Transition | undefined;
      let before = c.startOffset;
      let prev = c.startOffset;
      for (const tr of c.transitions) {
        if (tr.at > t) break;
        found = tr;
        before = prev;
        prev = tr.offset;
      }
      if (found !== undefined) {
        from = found.at;
        previousOffset = before;
        break;
      }
      // The chunk's start offset differs from the previous chunk's end: a transition exactly at the boundary.
      const prevChunk = this.chunk(ci - 1);
      const last = prevChunk.transitions[prevChunk.transitions.length - 1];
      const prevEnd = last === undefined ? prevChunk.startOffset : last.offset;
      if (prevEnd !== c.startOffset) {
        from = ci * CHUNK;
        previousOffset = prevEnd;
        break;
      }
    }
    let to = t + horizon;
    for (let ci = Math.floor(t / CHUNK); ci * CHUNK < t + horizon; ci++) {
      const c = this.chunk(ci);
      const next = c.transitions.find((tr) => tr.at > t);
      if (next !== undefined) {
        to = next.at;
        break;
      }
      const following = this.chunk(ci + 1);
      const last = c.transitions[c.transitions.length - 1];
      const endOffset = last === undefined ? c.startOffset : last.offset;
      if (following.startOffset !== endOffset && (ci + 1) * CHUNK > t) {
        to = (ci + 1) * CHUNK;
        break;
      }
    }
    return { from: Math.max(from, t - horizon), to: Math.min(to, t + horizon), offset, previousOffset };
  }

  /**
   * The instant of wall time `wall` (whole seconds): the earlier one when it occurs twice, the
   * one computed with the offset before the gap when it does not exist (so 02:30 in a one-hour
   * spring-forward gap is 03:30 after it), like Temporal's "compatible" disambiguation.
   */
  instantOf(wall: number): number {
    const whole = Math.floor(wall);
    const frac = wall - whole;
    const guess = whole - this.offsetAt(whole);
    const candidates: number[] = [];
    for (const probe of [guess - 86_400, guess, guess + 86_400]) {
      const o = this.offsetAt(probe);
      const t = whole - o;
      if (this.offsetAt(t) === o && !candidates.includes(t)) candidates.push(t);
    }
    candidates.sort((a, b) => a - b);
    const first = candidates[0];
    if (first !== undefined) return first + frac;
    // In a gap: use the offset in effect just before it.
    const before = this.offsetAt(guess - 86_400);
    return whole - before + frac;
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
