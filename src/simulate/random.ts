/**
 * A seeded pseudo-random generator, so that one seed gives one simulation: the concurrency
 * group a run takes among free ones, the hashed `R` values of cron schedules and the runs drawn
 * as failed all come from here instead of Math.random.
 */

/**
 * A generator of numbers in [0, 1) from `seed` and a `stream` name (mulberry32). Different
 * streams of one seed are independent, so adding a job's failures does not move group choices.
 */
export function seededRandom(seed: number, stream: string): () => number {
  let state = (Math.trunc(seed) ^ hashText(stream)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over the UTF-16 code units: enough to separate stream names. */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
