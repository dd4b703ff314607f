/**
 * Triggers over HTTP (SPEC-BEYOND §13.1): validated like a trigger file (SPEC §5.2), written
 * durably as the kept trigger JOB/pending/RUN_ID.json — the file the daemon restores after a
 * restart — and only then handed to the scheduler and answered. An `Idempotency-Key` is kept
 * durably too (DATA_DIR/http/idempotency/), written before the trigger, so a client repeating
 * its request after a timeout or a daemon restart gets the same run id instead of a second run.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readTrigger, TriggerContentError } from '../daemon/trigger-file.js';
import { PENDING_DIR } from '../daemon/trigger-watcher.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { DaemonControl } from './control-port.js';
import { HttpError, notFound } from './errors.js';

/** How long an idempotency key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

interface KeyRecord {
  readonly job: string;
  readonly run_id: string;
  /** SHA-256 of the request's trigger content: the same key with another request is a conflict. */
  readonly request: string;
  /** The trigger content, to write the trigger again if the daemon stopped between the two writes. */
  readonly content: string;
  readonly created: number;
}

/** Writes a file whole: a temporary name, fsync, rename, fsync of the directory. */
async function writeDurably(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${randomUUID()}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  const dest = join(dir, name);
  await rename(tmp, dest);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
  return dest;
}

export class TriggerIntake {
  private readonly keyDir: string;
  /** Requests with the same key wait for each other (one run per key even when they race). */
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly control: DaemonControl,
    private readonly log: Logger,
  ) {
    this.keyDir = join(control.dataDir, 'http', 'idempotency');
  }

  /**
   * Makes a run of `job` from a trigger body.
   * @throws HttpError 404 (no such job), 400 (not a valid trigger), 409 (key used for another request)
   */
  async submit(job: string, body: Record<string, unknown>, key: string | null, by: string): Promise<{ runId: string; replayed: boolean }> {
    if (!this.control.config().jobs.has(job)) throw notFound(`no job named ${JSON.stringify(job)}`);
    const content = JSON.stringify(body);
    this.parse(job, content); // validates before anything is written
    if (key === null) return { runId: await this.place(job, randomUUID(), content, by), replayed: false };
    const file = join(this.keyDir, `${createHash('sha256').update(`${job}\0${key}`).digest('hex')}.json`);
    const before = this.inflight.get(file) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(() => this.submitKeyed(job, content, file, by));
    this.inflight.set(file, mine);
    try {
      return await mine;
    } finally {
      if (this.inflight.get(file) === mine) this.inflight.delete(file);
    }
  }

  /** Forgets idempotency keys older than {@link IDEMPOTENCY_TTL_MS}. */
  async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.keyDir);
    } catch (err) {
      void err; // No key kept yet.
      return;
    }
    const limit = Date.now() - IDEMPOTENCY_TTL_MS;
    for (const n of names) {
      const p = join(this.keyDir, n);
      try {
        if ((await stat(p)).mtimeMs < limit) await rm(p, { force: true });
      } catch (err) {
        this.log.debug(`HTTP: cannot look at idempotency key ${p}: ${errorMessage(err)}`);
      }
    }
  }

  private parse(job: string, content: string) {
    try {
      return readTrigger(content, 'json', this.control.triggerContext(this.control.clock.now()));
    } catch (err) {
      if (err instanceof TriggerContentError) throw new HttpError(400, 'bad_trigger', `job ${JSON.stringify(job)}: ${err.message}`, {}, { cause: err });
      throw err;
    }
  }

  private async submitKeyed(job: string, content: string, file: string, by: string): Promise<{ runId: string; replayed: boolean }> {
    const request = createHash('sha256').update(content).digest('hex');
    const kept = await this.readKey(file);
    if (kept !== null) {
      if (kept.request !== request) throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
      await this.repair(kept, by);
      return { runId: kept.run_id, replayed: true };
    }
    const runId = randomUUID();
    const record: KeyRecord = { job, run_id: runId, request, content, created: Date.now() };
    await writeDurably(this.keyDir, file.slice(this.keyDir.length + 1), JSON.stringify(record));
    await this.place(job, runId, content, by);
    return { runId, replayed: false };
  }

  private async readKey(file: string): Promise<KeyRecord | null> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const rec = JSON.parse(text) as KeyRecord;
    if (Date.now() - rec.created > IDEMPOTENCY_TTL_MS) return null;
    return rec;
  }

  /**
   * The key was written but the daemon may have stopped before the trigger was: if the run is
   * nowhere (no kept trigger, not pending, not running, not recorded), the trigger is placed now.
   */
  private async repair(rec: KeyRecord, by: string): Promise<void> {
    const pendingFile = join(this.control.dataDir, 'trigger', rec.job, PENDING_DIR, `${rec.run_id}.json`);
    const exists = await stat(pendingFile).then(() => true, () => false);
    if (exists) return;
    if (this.control.pendingRuns().some((p) => p.runId === rec.run_id) || this.control.runningRuns().some((r) => r.runId === rec.run_id)) return;
    if ((await this.control.store.getRun(rec.run_id)) !== null) return;
    if (!this.control.config().jobs.has(rec.job)) return;
    this.log.info(`[${rec.job} ${rec.run_id}] HTTP: trigger written again for a repeated request (the first was interrupted)`);
    await this.place(rec.job, rec.run_id, rec.content, by);
  }

  /** Writes the kept trigger durably, then hands it to the scheduler. */
  private async place(job: string, runId: string, content: string, by: string): Promise<string> {
    const dir = join(this.control.dataDir, 'trigger', job, PENDING_DIR);
    const file = await writeDurably(dir, `${runId}.json`, content);
    // Parsed again now: a naive schedule_time defaults to the moment the trigger became durable.
    const parsed = this.parse(job, content);
    this.log.info(`[${job} ${runId}] HTTP: trigger accepted from ${by}`);
    this.control.submitTrigger({ ...parsed, jobName: job, runId, file });
    return runId;
  }
}
