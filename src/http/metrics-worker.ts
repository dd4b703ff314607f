/**
 * The exporter's metrics for the daemon's `/metrics`, collected in a worker thread with its own
 * store connection: the first collection aggregates every recorded run (seconds with a million
 * runs on SQLite, whose queries block the thread that makes them), which must never hold up the
 * scheduler's thread. Started at the first scrape; its answers are cached as the exporter's are.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { DatabaseConfig } from '../config/types.js';
import { DsariError, errorMessage } from '../errors.js';
import { Logger, type LogSink } from '../log.js';
import { MetricsCollector } from '../metrics/collect.js';
import { formatExposition } from '../metrics/exposition.js';
import { parseQuantiles } from '../metrics/quantile.js';
import { createStore } from '../store/index.js';
import { workerFile } from './worker-file.js';

/** The file the worker runs (see workerFile). */
const WORKER_FILE = workerFile(import.meta.url, 'metrics-worker');

interface Request {
  readonly id: number;
  readonly jobNames: readonly string[];
  readonly invalidate: boolean;
}
type Reply = { readonly id: number; readonly text: string } | { readonly id: number; readonly error: string };

/** Talks to the worker: one collection at a time, in order. */
export class ExporterMetrics {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  private stale = false;

  constructor(
    private readonly database: DatabaseConfig,
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  /** The next collection reads the finished runs again (after a reload). */
  invalidate(): void {
    this.stale = true;
  }

  /** The exporter's exposition text for these jobs. @throws DsariError when collecting fails */
  render(jobNames: readonly string[]): Promise<string> {
    const worker = this.start();
    const id = this.next++;
    const request: Request = { id, jobNames: [...jobNames], invalidate: this.stale };
    this.stale = false;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w !== null) await w.terminate();
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const w = new Worker(WORKER_FILE, { workerData: { database: this.database, dataDir: this.dataDir } });
    w.unref();
    w.on('message', (m: Reply) => {
      const p = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if ('error' in m) p?.reject(new DsariError('E_METRICS', m.error));
      else p?.resolve(m.text);
    });
    const fail = (why: string): void => {
      this.log.error(`HTTP: the metrics worker stopped: ${why}`);
      for (const p of this.waiting.values()) p.reject(new DsariError('E_METRICS', `the metrics worker stopped: ${why}`));
      this.waiting.clear();
      if (this.worker === w) this.worker = null;
    };
    w.on('error', (err) => fail(errorMessage(err)));
    w.on('exit', (code) => {
      if (this.worker === w) fail(`exit status ${code}`);
    });
    this.worker = w;
    return w;
  }
}

/** The worker's side: a read-only store and a collector, answering requests in order. */
async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const data = workerData as { database: DatabaseConfig; dataDir: string };
  const lines: string[] = [];
  const sink: LogSink = { write: (l) => void lines.push(l) };
  const store = createStore(data.database, { log: new Logger({ sink }), dataDir: data.dataDir, readOnly: true });
  let jobNames: readonly string[] = [];
  const collector = new MetricsCollector(store, () => jobNames, { quantiles: parseQuantiles('0.01,0.1,0.5,0.9,0.99') });
  let opened: Promise<void> | null = null;
  let queue = Promise.resolve();
  port.on('message', (req: Request) => {
    queue = queue.then(async () => {
      try {
        opened ??= store.open();
        await opened;
        jobNames = req.jobNames;
        if (req.invalidate) collector.invalidate();
        port.postMessage({ id: req.id, text: formatExposition(await collector.collect()) } satisfies Reply);
      } catch (err) {
        port.postMessage({ id: req.id, error: errorMessage(err) } satisfies Reply);
      }
    });
  });
}

if (!isMainThread && (workerData as { database?: unknown } | null)?.database !== undefined) void serve();
