/**
 * Returning the daemon's young-generation memory once it is idle. Loading a configuration of
 * thousands of jobs makes V8 grow its new space to the maximum (about 24 MB committed for
 * 5,000 jobs), and an idle process never shrinks it again: V8 shrinks it only in a garbage
 * collection that runs while the allocation rate is low, and an idle daemon allocates too
 * little to collect at all. Full collections some seconds after start-up (and after each
 * reload) do it: 5,000 idle jobs went from ~98 MB to ~78 MB RSS (docs/BENCHMARKS.md, daemon
 * memory). Setting `--max-semi-space-size` would need a node flag on every command line that
 * starts the daemon; V8 reads it only when the heap is created.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long after start-up or a reload the collection runs: V8 judges the rate over ~5 s. */
export const IDLE_COLLECT_DELAY_MS = 10_000;

let collect: (() => void) | undefined;
let pending: NodeJS.Timeout | undefined;

/** The engine's `gc()`, exposed for this process (as `node --expose-gc` would). */
function fullCollection(): () => void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) {
      collect = exposed;
    } else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  return collect;
}

/** Young generation committed above this after the collections: try again later. */
const SMALL_NEW_SPACE = 4 * 2 ** 20;
/** Tries per start-up or reload (a busy moment, as judged by V8, may prevent the shrink). */
const ATTEMPTS = 3;

function newSpaceCommitted(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
}

/**
 * Arranges full collections `delayMs` from now (a later call replaces an earlier pending one),
 * repeated up to ATTEMPTS times while the young generation stays large. The timer never keeps
 * the process alive.
 */
export function collectWhenIdle(delayMs = IDLE_COLLECT_DELAY_MS, attempts = ATTEMPTS): void {
  clearTimeout(pending);
  pending = setTimeout(() => {
    const gc = fullCollection();
    // Twice: V8 judges the rate from the allocations between collections, and the one before
    // the first may be start-up's. Between the two nothing was allocated, so the second shrinks.
    gc();
    gc();
    if (attempts > 1 && newSpaceCommitted() > SMALL_NEW_SPACE) collectWhenIdle(delayMs, attempts - 1);
  }, delayMs);
  pending.unref();
}
