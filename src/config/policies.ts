/**
 * A job's run policies (SPEC-BEYOND §12.1–§12.5): `catchup`, `catchup_window`, `overlap`,
 * `retry`, `after`, `on_success`, `on_failure`. Read per job like the Part I keys; the
 * dependency graph (unknown names, cycles) is checked once every job is known.
 */
import type { Checker, Place } from './checker.js';
import type { CatchupPolicy, JobConfig, JobPolicies, OverlapPolicy, RetryPolicy } from './types.js';
import { describeValue, isMapping, type RawMapping } from './values.js';

/** The policy keys a job accepts, beside the Part I keys. */
export const POLICY_KEYS = ['catchup', 'catchup_window', 'overlap', 'retry', 'after', 'on_success', 'on_failure'] as const;

/** Keys of a job's `retry` mapping. */
export const RETRY_KEYS = ['attempts', 'delay', 'backoff', 'max_delay', 'jitter', 'on_exit_codes', 'on_timeout', 'on_lost'] as const;

/** @default 86400 (one day) */
export const DEFAULT_CATCHUP_WINDOW = 86_400;
/** `catchup: all` runs at most this many missed fires (the oldest beyond it are dropped, logged). */
export const MAX_CATCHUP_RUNS = 100;
/** The most retries a job may ask for: more is a configuration mistake, not a policy. */
export const MAX_RETRY_ATTEMPTS = 100;
/** The longest one retry delay may be (a year): a bigger figure is a typo. */
const MAX_DELAY_SECONDS = 366 * 86_400;

const CATCHUP_VALUES: readonly CatchupPolicy[] = ['none', 'latest', 'all'];
const OVERLAP_VALUES: readonly OverlapPolicy[] = ['queue', 'skip', 'replace', 'allow'];

/** The policies of a job that sets none of the keys: Part I's behaviour. */
const NO_POLICIES: JobPolicies = Object.freeze({ catchup: 'none', catchupWindow: DEFAULT_CATCHUP_WINDOW, overlap: 'queue', retry: null, after: [], onSuccess: [], onFailure: [] });
const NO_POLICIES_CONCURRENT: JobPolicies = Object.freeze({ ...NO_POLICIES, overlap: 'allow' });

/** A job's policies, with the defaults when it sets none. */
export function jobPolicies(job: Pick<JobConfig, 'policies' | 'concurrentRuns'>): JobPolicies {
  return job.policies ?? (job.concurrentRuns ? NO_POLICIES_CONCURRENT : NO_POLICIES);
}

/**
 * Reads the policy keys of one job. `concurrent_runs` is read here too, since `overlap` and it
 * must agree (`allow` ⇔ true). `policies` is left out when no policy key is set.
 * @throws ConfigError naming file, job and key
 */
export function readPolicies(check: Checker, place: Place, raw: RawMapping): Pick<JobConfig, 'concurrentRuns' | 'policies'> {
  // Most jobs set none of the keys: nothing to read but concurrent_runs (10,000 jobs, daemon start).
  if (POLICY_KEYS.every((k) => raw[k] === undefined)) return { concurrentRuns: check.bool(place, raw, 'concurrent_runs', false) };
  const concurrentRaw = raw['concurrent_runs'];
  const concurrent = check.bool(place, raw, 'concurrent_runs', false);
  const overlapRaw = oneOf(check, place, raw, 'overlap', OVERLAP_VALUES);
  let overlap: OverlapPolicy;
  if (overlapRaw === undefined) overlap = concurrent ? 'allow' : 'queue';
  else {
    overlap = overlapRaw;
    if (concurrentRaw !== undefined && concurrent !== (overlap === 'allow')) {
      check.fail(place, ['overlap'], `overlap: ${overlap} contradicts concurrent_runs: ${String(concurrent)} (overlap: allow is concurrent_runs: true; drop one of the two keys)`);
    }
  }
  const window = check.seconds(place, raw, 'catchup_window', false) ?? DEFAULT_CATCHUP_WINDOW;
  if (window > MAX_DELAY_SECONDS) check.fail(place, ['catchup_window'], `expected at most ${MAX_DELAY_SECONDS} seconds (a year), found ${window}`);
  const policies: JobPolicies = {
    catchup: oneOf(check, place, raw, 'catchup', CATCHUP_VALUES) ?? 'none',
    catchupWindow: window,
    overlap,
    retry: readRetry(check, place, raw['retry']),
    after: jobList(check, place, raw, 'after'),
    onSuccess: jobList(check, place, raw, 'on_success'),
    onFailure: jobList(check, place, raw, 'on_failure'),
  };
  const any = POLICY_KEYS.some((k) => raw[k] !== undefined && raw[k] !== null);
  return any ? { concurrentRuns: overlap === 'allow', policies } : { concurrentRuns: overlap === 'allow' };
}

function oneOf<T extends string>(check: Checker, place: Place, raw: RawMapping, key: string, values: readonly T[]): T | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    return check.fail(place, [key], `expected one of ${values.join(', ')}, found ${describeValue(v)}`);
  }
  return v as T;
}

function readRetry(check: Checker, parent: Place, v: unknown): RetryPolicy | null {
  if (v === undefined || v === null || v === false) return null;
  if (!isMapping(v)) return check.wrongType(parent, ['retry'], 'a mapping such as {attempts: 3, delay: 30}', v);
  const place: Place = { ...parent, path: [...parent.path, 'retry'], scope: `${parent.scope ?? ''}: retry`.replace(/^: /, '') };
  check.unknownKeys(place, v, RETRY_KEYS);
  const attempts = check.integer(place, v, 'attempts', 0, 'a number of retries') ?? 0;
  if (attempts > MAX_RETRY_ATTEMPTS) check.fail(place, ['attempts'], `expected at most ${MAX_RETRY_ATTEMPTS} retries, found ${attempts}`);
  const delay = bounded(check, place, v, 'delay', 10);
  const maxDelay = bounded(check, place, v, 'max_delay', 3600);
  const backoff = v['backoff'] === undefined ? 2 : v['backoff'];
  if (typeof backoff !== 'number' || !Number.isFinite(backoff)) return check.wrongType(place, ['backoff'], 'a multiplier ≥ 1', backoff);
  if (backoff < 1 || backoff > 100) check.fail(place, ['backoff'], `expected a multiplier from 1 to 100, found ${backoff}`);
  const jitter = v['jitter'] === undefined ? 0 : v['jitter'];
  if (typeof jitter !== 'number' || !Number.isFinite(jitter)) return check.wrongType(place, ['jitter'], 'a fraction from 0 to 1', jitter);
  if (jitter < 0 || jitter > 1) check.fail(place, ['jitter'], `expected a fraction from 0 to 1, found ${jitter}`);
  return {
    attempts,
    delay,
    backoff,
    maxDelay,
    jitter,
    onExitCodes: exitCodes(check, place, v['on_exit_codes']),
    onTimeout: check.bool(place, v, 'on_timeout', true),
    onLost: check.bool(place, v, 'on_lost', true),
  };
}

function bounded(check: Checker, place: Place, m: RawMapping, key: string, fallback: number): number {
  const s = check.seconds(place, m, key, false) ?? fallback;
  if (s > MAX_DELAY_SECONDS) check.fail(place, [key], `expected at most ${MAX_DELAY_SECONDS} seconds (a year), found ${s}`);
  return s;
}

function exitCodes(check: Checker, place: Place, v: unknown): number[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) return check.wrongType(place, ['on_exit_codes'], 'a list of exit codes (1 to 255)', v);
  const codes = v.map((c: unknown, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 255) {
      return check.fail(place, ['on_exit_codes', `item ${i + 1}`], `expected an exit code from 1 to 255, found ${describeValue(c)}`, ['on_exit_codes']);
    }
    return c;
  });
  return [...new Set(codes)].sort((a, b) => a - b);
}

function jobList(check: Checker, place: Place, raw: RawMapping, key: string): string[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  const list: unknown[] = typeof v === 'string' ? [v] : Array.isArray(v) ? v : check.wrongType(place, [key], 'a list of job names', v);
  const names = list.map((item, i) => (typeof item === 'string' ? item : check.fail(place, [key, `item ${i + 1}`], `expected a job name, found ${describeValue(item)}`, [key])));
  return [...new Set(names)];
}

/**
 * Checks the dependency edges of every job: each name must be a job, and the graph of `after`
 * and `on_success`/`on_failure` edges together must have no cycle (the cycle is named).
 * @throws ConfigError naming file, job and key
 */
export function checkDependencies(check: Checker, jobs: ReadonlyMap<string, JobConfig>, placeOf: (job: string) => Place): void {
  /** Edges "a run of `from` can cause a run of `to`", with the job and key that declare them. */
  const edges = new Map<string, Array<{ to: string; owner: string; key: string }>>();
  const add = (from: string, to: string, owner: string, key: string): void => {
    const list = edges.get(from) ?? [];
    list.push({ to, owner, key });
    edges.set(from, list);
  };
  for (const job of jobs.values()) {
    if (job.policies === undefined) continue; // no after / on_success / on_failure
    const p = job.policies;
    for (const [key, list] of [['after', p.after], ['on_success', p.onSuccess], ['on_failure', p.onFailure]] as const) {
      for (const name of list) {
        if (!jobs.has(name)) check.fail(placeOf(job.name), [key], `no job named ${JSON.stringify(name)}`);
        if (name === job.name) check.fail(placeOf(job.name), [key], `a job cannot depend on itself (cycle: ${job.name} → ${job.name})`);
        if (key === 'after') add(name, job.name, job.name, key);
        else add(job.name, name, job.name, key);
      }
    }
  }
  if (edges.size === 0) return;
  // Depth-first search with colours; an edge back to a grey node closes a cycle, and the error
  // names the key that declares that edge.
  const colour = new Map<string, 'grey' | 'black'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    colour.set(node, 'grey');
    stack.push(node);
    for (const edge of edges.get(node) ?? []) {
      const c = colour.get(edge.to);
      if (c === 'grey') {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        check.fail(placeOf(edge.owner), [edge.key], `dependency cycle: ${cycle.join(' → ')} (through after / on_success / on_failure)`);
      }
      if (c === undefined) visit(edge.to);
    }
    stack.pop();
    colour.set(node, 'black');
  };
  for (const name of [...jobs.keys()].sort()) if (!colour.has(name)) visit(name);
}
