/**
 * The console's "simulate the next 24 hours" (SPEC-BEYOND §15, issue 13): `dsari simulate` run
 * on the daemon's configuration as it is now, in a worker thread with its own read-only store
 * connection, so that however many jobs it replays the scheduler's thread never waits for it.
 * One simulation at a time; the answer is the simulator's self-contained HTML page.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Config } from '../config/types.js';
import { DsariError, errorMessage } from '../errors.js';
import { workerFile } from './worker-file.js';

/** The file the worker runs (see workerFile). */
const WORKER_FILE = workerFile(import.meta.url, 'simulate-worker');

/** The console's window: the next day. */
export const CONSOLE_WINDOW_SECONDS = 86_400;
/** Fewer events than the command allows: the page is for a glance, not a week of 1,000 jobs. */
export const CONSOLE_MAX_EVENTS = 400_000;
/** A simulation that takes longer than this is stopped. */
const TIMEOUT_MS = 60_000;

interface Input {
  readonly jobs: Config['jobs'];
  readonly concurrencyGroups: Config['concurrencyGroups'];
  readonly database: Config['database'];
  readonly from: number;
}
type Output = { readonly html: string } | { readonly error: string };

let busy: Promise<string> | null = null;

/**
 * The simulator's HTML page for the next {@link CONSOLE_WINDOW_SECONDS} from `from`.
 * @throws DsariError when another simulation is running, or this one fails or takes too long
 */
export function simulateNextDay(config: Config, from: number): Promise<string> {
  if (busy !== null) return Promise.reject(new DsariError('E_BUSY', 'a simulation is already running; try again in a moment'));
  const input: Input = { jobs: new Map(config.jobs), concurrencyGroups: new Map(config.concurrencyGroups), database: config.database, from };
  const p = new Promise<string>((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: input });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new DsariError('E_TIMEOUT', `the simulation took longer than ${TIMEOUT_MS / 1000} s and was stopped`));
    }, TIMEOUT_MS);
    worker.once('message', (out: Output) => {
      clearTimeout(timer);
      void worker.terminate();
      if ('html' in out) resolve(out.html);
      else reject(new DsariError('E_SIMULATE', out.error));
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(new DsariError('E_SIMULATE', errorMessage(err), { cause: err }));
    });
  });
  busy = p.finally(() => {
    busy = null;
  });
  return busy;
}

async function runInWorker(input: Input): Promise<Output> {
  // Loaded here, in the worker: the daemon's own thread never loads the simulator.
  const { Logger } = await import('../log.js');
  const { renderHtml, simulate } = await import('../simulate/index.js');
  const { createStore } = await import('../store/index.js');
  const log = new Logger({ sink: { write: () => undefined } });
  const store = createStore(input.database, { log, readOnly: true, reader: true });
  try {
    await store.open();
    const result = await simulate({
      config: { jobs: input.jobs, concurrencyGroups: input.concurrencyGroups },
      store,
      from: input.from,
      until: input.from + CONSOLE_WINDOW_SECONDS,
      maxEvents: CONSOLE_MAX_EVENTS,
    });
    return { html: renderHtml(result) };
  } catch (err) {
    return { error: errorMessage(err) };
  } finally {
    // the answer is already made; a store that cannot close ends with the worker anyway
    await store.close().catch((err: unknown) => void err);
  }
}

if (!isMainThread && parentPort !== null && (workerData as Partial<Input> | null)?.jobs instanceof Map) {
  const port = parentPort;
  void runInWorker(workerData as Input).then((out) => port.postMessage(out));
}
