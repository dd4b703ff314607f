/**
 * `dsari-info run list` in one pass over the database's rows (issue 15). The general path reads
 * every run into a record, keeps them all, sorts them and then prints; for 4,000 runs a third of
 * the command's time went to the garbage collector moving the kept records. Here the finished
 * runs stream from the store in the order the listing prints them, each is turned into its text
 * and dropped, and the (few) running runs are merged in.
 *
 * The listing must come out exactly as the general path prints it, so the order is the one that
 * path's sorts give, checked run by run: the database sorts some odd values differently from
 * JavaScript (NULL or text in a time column, run ids beyond the Basic Multilingual Plane), and a
 * JSON listing treats some ids specially (a run id that is an array index sorts first; a
 * repeated id keeps its last run). On anything of the kind the pass stops and says so, and the
 * caller lists the general way.
 */
import type { RunRecord, RunStore, ScanOrder } from '../../store/types.js';

/**
 * The orders of run list:
 * - `id`: by run id (`--format json`: the keys of the mapping, sorted);
 * - `start_asc`: by start time, finished before running at the same time, then by run id
 *   (`--format tabular`);
 * - `start_desc`: the same with the latest start first (the `pretty` table).
 */
export type ListingOrder = 'id' | 'start_asc' | 'start_desc';

type Compare = (a: RunRecord, b: RunRecord) => number;

const byId: Compare = (a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
// A running run sorts after a finished one at the same start time: the general path lists the
// finished runs, then the running ones, and its sorts are stable.
const rank = (r: RunRecord): number => (r.running ? 1 : 0);

const COMPARE: Readonly<Record<ListingOrder, Compare>> = {
  id: byId,
  start_asc: (a, b) => a.startTime - b.startTime || rank(a) - rank(b) || byId(a, b),
  start_desc: (a, b) => b.startTime - a.startTime || rank(a) - rank(b) || byId(a, b),
};

const SQL_ORDER: Readonly<Record<ListingOrder, ScanOrder>> = {
  id: 'run_id',
  start_asc: 'start_time_asc',
  start_desc: 'start_time_desc',
};

/** Whether an object key is an array index, which objects enumerate before other keys. */
export function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;
}

/**
 * Visits the runs of `filter` (finished and running) in `order`, each once, without keeping them.
 * Returns false when the store cannot stream its runs or they do not come in that order: `visit`
 * may have been called for some runs then, and the caller lists the general way instead.
 */
export async function visitInListingOrder(
  store: RunStore,
  filter: { readonly jobNames?: readonly string[]; readonly runIds?: readonly string[] },
  order: ListingOrder,
  visit: (run: RunRecord) => void,
): Promise<boolean> {
  if (store.scanFinished === undefined) return false;
  const compare = COMPARE[order];
  const running = await store.listRuns({ ...filter, includeFinished: false, orderBy: 'start_time', order: 'asc' });
  running.sort(compare);
  const runningIds = new Set<string>();
  for (let i = 0; i < running.length; i++) {
    const r = running[i] as RunRecord;
    // A JSON listing keeps the last of runs with one id; an array-index id sorts first.
    if (order === 'id' && (isArrayIndex(r.runId) || runningIds.has(r.runId))) return false;
    if (i > 0 && compare(running[i - 1] as RunRecord, r) >= 0) return false;
    runningIds.add(r.runId);
  }
  let next = 0;
  let previous: RunRecord | null = null;
  let inOrder = true;
  await store.scanFinished(filter, SQL_ORDER[order], (run) => {
    // Each run must come strictly after the one before: equal keys (a repeated run id) would
    // leave the order to the database.
    if ((previous !== null && compare(previous, run) >= 0) || (order === 'id' && (isArrayIndex(run.runId) || runningIds.has(run.runId)))) {
      inOrder = false;
      return false;
    }
    while (next < running.length && compare(running[next] as RunRecord, run) < 0) visit(running[next++] as RunRecord);
    visit(run);
    previous = run;
    return true;
  });
  if (!inOrder) return false;
  while (next < running.length) visit(running[next++] as RunRecord);
  return true;
}

/**
 * Texts made one per run, joined as they come in pieces of `size`: the pieces are flat strings,
 * not the thousands of small strings (and their concatenation trees) a listing is made of.
 */
export class TextPieces {
  private readonly pieces: string[] = [];
  private current: string[] = [];

  constructor(private readonly separator: string, private readonly size = 256) {}

  add(text: string): void {
    this.current.push(text);
    if (this.current.length >= this.size) {
      this.pieces.push(this.current.join(this.separator));
      this.current = [];
    }
  }

  get empty(): boolean {
    return this.pieces.length === 0 && this.current.length === 0;
  }

  /** Everything added, joined by the separator. */
  join(): string {
    if (this.current.length > 0) {
      this.pieces.push(this.current.join(this.separator));
      this.current = [];
    }
    return this.pieces.join(this.separator);
  }
}
