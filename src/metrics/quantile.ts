/**
 * Quantiles as the original computes them: over the sorted values, at rank (n − 1)·q with linear
 * interpolation between the two neighbouring values (SPEC §10).
 */

/**
 * The q-quantile (0 ≤ q ≤ 1) of `sorted` (ascending), or null when it is empty.
 * @throws RangeError when q is outside [0, 1]
 */
export function quantile(sorted: ArrayLike<number>, q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be between 0 and 1, got ${q}`);
  const n = sorted.length;
  if (n === 0) return null;
  const k = (n - 1) * q;
  const f = Math.floor(k);
  const c = Math.ceil(k);
  const lo = sorted[f] as number;
  if (f === c) return lo;
  const hi = sorted[c] as number;
  return lo * (c - k) + hi * (k - f);
}

/** A quantile as given on the command line: its label text (as typed) and its value. */
export interface QuantileSpec {
  readonly label: string;
  readonly value: number;
}

/**
 * Parses `--quantiles` ("0.01,0.1,0.5,0.9,0.99"): each a number from 0 to 1; the label keeps the
 * text as given (trimmed). Duplicates are dropped.
 * @throws RangeError naming the bad entry
 */
export function parseQuantiles(text: string): QuantileSpec[] {
  const out: QuantileSpec[] = [];
  for (const raw of text.split(',')) {
    const label = raw.trim();
    if (label === '') throw new RangeError(`empty entry in quantile list "${text}"`);
    const value = Number(label);
    if (!/^[+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(label) || !(value >= 0 && value <= 1)) {
      throw new RangeError(`quantile "${label}" is not a number from 0 to 1`);
    }
    if (!out.some((q) => q.label === label)) out.push({ label, value });
  }
  return out;
}
