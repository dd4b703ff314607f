/**
 * Finding trigger files (SPEC §5.2): DATA_DIR/trigger/JOB/trigger.json, else trigger.yaml.
 * Noticed at once through file-system notification on the trigger directory and on each job's
 * directory (new ones included), with a periodic re-scan as a safety net; `scan()` forces one
 * (SIGUSR1). An accepted file is moved to JOB/pending/RUN_ID.EXT, where it stays until its run
 * starts, so accepted triggers survive a restart. A file that cannot be accepted is moved to
 * JOB/rejected/ with the reason beside it. A file that does not parse yet (a writer still
 * writing) is given a short while before it is judged.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, type FSWatcher, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, EpochSeconds, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { readTrigger, TriggerContentError, type ParsedTrigger, type TriggerFileKind, type TriggerParseContext } from './trigger-file.js';

/** Trigger files larger than this are rejected unread. */
export const MAX_TRIGGER_BYTES = 4 * 1024 * 1024;
export const PENDING_DIR = 'pending';
export const REJECTED_DIR = 'rejected';
const KINDS: readonly TriggerFileKind[] = ['json', 'yaml'];

/** A trigger the watcher accepted: its file is now at `file` (in JOB/pending/). */
export interface AcceptedTrigger extends ParsedTrigger {
  readonly jobName: string;
  readonly runId: string;
  readonly file: string;
}

export interface TriggerWatcherOptions {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly log: Logger;
  isKnownJob(name: string): boolean;
  /** Time zone, time parsing and identity rules for reading a trigger with this mtime. */
  parseContext(mtime: EpochSeconds): TriggerParseContext;
  newRunId(): string;
  /** Called synchronously for each accepted trigger. */
  onAccept(trigger: AcceptedTrigger): void;
  onReject?(info: { jobName: string; file: string; reason: string; movedTo: string | null }): void;
  /** Safety-net re-scan interval. @default 15000 */
  readonly rescanMs?: number;
  /** How long a file that does not parse yet may stay incomplete. @default 2000 */
  readonly settleMs?: number;
  /** How soon an incomplete file is looked at again. @default 50 */
  readonly retryMs?: number;
  /** Use file-system notification (off = re-scan only). @default true */
  readonly notify?: boolean;
}

interface Unsettled {
  since: number;
  size: number;
  mtimeMs: number;
}

export class TriggerWatcher {
  readonly root: string;
  private rootWatcher: FSWatcher | null = null;
  private readonly jobWatchers = new Map<string, FSWatcher>();
  private readonly unsettled = new Map<string, Unsettled>();
  private readonly retryTimers = new Map<string, TimerHandle>();
  /** Files that could not even be moved away: not retried until they change. */
  private readonly stuck = new Map<string, number>();
  private rescanTimer: TimerHandle | null = null;
  private running = false;
  private notifyBroken = false;

  constructor(private readonly options: TriggerWatcherOptions) {
    this.root = join(options.dataDir, 'trigger');
  }

  /** Creates the trigger directory, starts watching and scans once. @throws when it cannot be created */
  start(): void {
    mkdirSync(this.root, { recursive: true });
    this.running = true;
    if (this.options.notify !== false) this.watchRoot();
    this.scan();
    this.armRescan();
  }

  stop(): void {
    this.running = false;
    this.rootWatcher?.close();
    this.rootWatcher = null;
    for (const w of this.jobWatchers.values()) w.close();
    this.jobWatchers.clear();
    for (const t of this.retryTimers.values()) this.options.clock.clearTimer(t);
    this.retryTimers.clear();
    if (this.rescanTimer !== null) this.options.clock.clearTimer(this.rescanTimer);
    this.rescanTimer = null;
  }

  /** Looks at every job directory now. */
  scan(): void {
    if (!this.running) return;
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch (err) {
      this.options.log.error(`Cannot read the trigger directory ${this.root}: ${errorMessage(err)}`);
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      if (this.options.notify !== false) this.watchJobDir(name);
      this.check(name);
    }
  }

  /**
   * The accepted triggers kept from before (JOB/pending/RUN_ID.EXT), oldest first, for the
   * daemon to restore at start-up.
   */
  listKept(): Array<{ jobName: string; runId: string; file: string; kind: TriggerFileKind; mtime: EpochSeconds }> {
    const found: Array<{ jobName: string; runId: string; file: string; kind: TriggerFileKind; mtime: EpochSeconds }> = [];
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch (err) {
      this.options.log.debug(`No kept triggers: ${errorMessage(err)}`);
      return found;
    }
    for (const jobName of names) {
      const dir = join(this.root, jobName, PENDING_DIR);
      let files: string[];
      try {
        files = readdirSync(dir);
      } catch (err) {
        void err; // No pending/ directory for this job: nothing kept.
        continue;
      }
      for (const f of files) {
        const m = /^(.+)\.(json|yaml)$/.exec(f);
        if (m === null) continue;
        const file = join(dir, f);
        try {
          found.push({ jobName, runId: m[1] as string, file, kind: m[2] as TriggerFileKind, mtime: statSync(file).mtimeMs / 1000 });
        } catch (err) {
          this.options.log.warning(`[${jobName}] Cannot read kept trigger ${file}: ${errorMessage(err)}`);
        }
      }
    }
    return found.sort((a, b) => a.mtime - b.mtime);
  }

  /** Reads a kept trigger again. @throws TriggerContentError */
  readKept(file: string, kind: TriggerFileKind, mtime: EpochSeconds): ParsedTrigger {
    return readTrigger(readFileSync(file, 'utf8'), kind, this.options.parseContext(mtime));
  }

  /**
   * Moves a trigger file to JOB/rejected/ and writes the reason beside it; logs it.
   * Returns where it went (null when it could not be moved).
   */
  reject(jobName: string, file: string, kind: string, reason: string): string | null {
    const dir = join(this.root, jobName, REJECTED_DIR);
    const stamp = new Date(this.options.clock.now() * 1000).toISOString().replace(/:/g, '-');
    const dest = join(dir, `${stamp}-${randomBytes(4).toString('hex')}.trigger.${kind}`);
    let movedTo: string | null = dest;
    try {
      mkdirSync(dir, { recursive: true });
      renameSync(file, dest);
      // Whole or not at all: a reader watching for `.reason` never sees it empty.
      writeFileSync(`${dest}.reason-tmp`, `${reason}\n`);
      renameSync(`${dest}.reason-tmp`, `${dest}.reason`);
      this.options.log.error(`[${jobName}] Cannot load trigger: ${reason} (moved to ${dest})`);
    } catch (err) {
      movedTo = null;
      this.options.log.error(`[${jobName}] Cannot load trigger ${file}: ${reason}; and cannot move it to ${dir}: ${errorMessage(err)}`);
    }
    this.options.onReject?.({ jobName, file, reason, movedTo });
    return movedTo;
  }

  private watchRoot(): void {
    try {
      this.rootWatcher = watch(this.root, (_event, filename) => {
        if (filename === null || filename.startsWith('.')) return;
        this.watchJobDir(filename);
        this.check(filename);
      });
      this.rootWatcher.on('error', (err) => this.notifyFailed(this.root, err));
    } catch (err) {
      this.notifyFailed(this.root, err);
    }
  }

  private watchJobDir(name: string): void {
    if (this.jobWatchers.has(name) || this.notifyBroken) return;
    const dir = join(this.root, name);
    try {
      if (!lstatSync(dir).isDirectory()) return;
      const w = watch(dir, (_event, filename) => {
        if (filename === 'trigger.json' || filename === 'trigger.yaml') this.check(name);
      });
      w.on('error', () => {
        // The directory went away: forget it; a re-scan watches it again if it comes back.
        w.close();
        this.jobWatchers.delete(name);
      });
      this.jobWatchers.set(name, w);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      this.notifyFailed(dir, err);
    }
  }

  private notifyFailed(path: string, err: unknown): void {
    if (this.notifyBroken) return;
    this.notifyBroken = true;
    this.options.log.warning(
      `Cannot watch ${path} for triggers (${errorMessage(err)}); noticing triggers by re-scanning every ${(this.options.rescanMs ?? 15_000) / 1000}s instead`,
    );
  }

  private armRescan(): void {
    if (!this.running) return;
    const ms = this.notifyBroken ? Math.min(this.options.rescanMs ?? 15_000, 1000) : (this.options.rescanMs ?? 15_000);
    this.rescanTimer = this.options.clock.setTimer(() => {
      this.scan();
      this.armRescan();
    }, ms);
  }

  private retryLater(jobName: string): void {
    if (this.retryTimers.has(jobName)) return;
    const t = this.options.clock.setTimer(() => {
      this.retryTimers.delete(jobName);
      this.check(jobName);
    }, this.options.retryMs ?? 50);
    this.retryTimers.set(jobName, t);
  }

  /** Consumes the job's trigger files, JSON before YAML. */
  private check(jobName: string): void {
    for (let guard = 0; guard < 4 && this.running; guard++) {
      if (!this.consumeOne(jobName)) return;
    }
  }

  /** Handles one trigger file of the job; true when one was consumed (look again). */
  private consumeOne(jobName: string): boolean {
    const dir = join(this.root, jobName);
    let file: string | null = null;
    let kind: TriggerFileKind = 'json';
    let st: ReturnType<typeof statSync> | null = null;
    for (const k of KINDS) {
      const p = join(dir, `trigger.${k}`);
      try {
        // lstat: a symlink named trigger.* is judged as itself (rejected), never followed. No
        // such file is the common answer (looked at again after each run): undefined, not thrown.
        st = lstatSync(p, { throwIfNoEntry: false }) ?? null;
      } catch (err) {
        void err; // ENOTDIR, EACCES: no trigger file to be had here.
        st = null;
      }
      if (st === null) continue;
      file = p;
      kind = k;
      break;
    }
    if (file === null || st === null) return false;
    if (!st.isFile()) {
      return this.rejectUnlessStuck(jobName, file, kind, st.mtimeMs, 'not a regular file');
    }
    if (this.stuck.get(file) === st.mtimeMs) return false;
    if (!this.options.isKnownJob(jobName)) {
      return this.rejectUnlessStuck(jobName, file, kind, st.mtimeMs, `no job named "${jobName}" in the configuration`);
    }
    if (st.size > MAX_TRIGGER_BYTES) {
      return this.rejectUnlessStuck(jobName, file, kind, st.mtimeMs, `the file is ${st.size} bytes, more than the ${MAX_TRIGGER_BYTES} a trigger may have`);
    }
    let text: string;
    try {
      const read = readRegularFile(file);
      if (read === null) {
        return this.rejectUnlessStuck(jobName, file, kind, st.mtimeMs, 'not a regular file');
      }
      if (read.text === null) {
        return this.rejectUnlessStuck(jobName, file, kind, st.mtimeMs, 'the file is not valid UTF-8 text');
      }
      text = read.text;
      const after = lstatSync(file);
      if (after.size !== st.size || after.mtimeMs !== st.mtimeMs) {
        this.noteUnsettled(file, after.size, after.mtimeMs);
        this.retryLater(jobName);
        return false;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // Gone meanwhile: look again.
      return this.rejectUnlessStuck(jobName, file, kind, st.mtimeMs, `cannot read it: ${errorMessage(err)}`);
    }
    const mtime = st.mtimeMs / 1000;
    let parsed: ParsedTrigger;
    try {
      parsed = readTrigger(text, kind, this.options.parseContext(mtime));
    } catch (err) {
      const reason = errorMessage(err);
      if (err instanceof TriggerContentError && err.incomplete) {
        const u = this.noteUnsettled(file, st.size, st.mtimeMs);
        if (this.options.clock.monotonicMs() - u.since < (this.options.settleMs ?? 2000)) {
          this.retryLater(jobName);
          return false;
        }
      }
      this.unsettled.delete(file);
      return this.rejectUnlessStuck(jobName, file, kind, st.mtimeMs, reason);
    }
    this.unsettled.delete(file);
    const runId = this.options.newRunId();
    const keptDir = join(dir, PENDING_DIR);
    const kept = join(keptDir, `${runId}.${kind}`);
    try {
      mkdirSync(keptDir, { recursive: true });
      renameSync(file, kept);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      this.stuck.set(file, st.mtimeMs);
      this.options.log.error(`[${jobName}] Cannot take trigger ${file}: ${errorMessage(err)}; it stays until it changes`);
      return false;
    }
    this.options.onAccept({ ...parsed, jobName, runId, file: kept });
    return true;
  }

  private noteUnsettled(file: string, size: number, mtimeMs: number): Unsettled {
    const now = this.options.clock.monotonicMs();
    const u = this.unsettled.get(file);
    if (u === undefined || u.size !== size || u.mtimeMs !== mtimeMs) {
      const fresh = { since: now, size, mtimeMs };
      this.unsettled.set(file, fresh);
      return fresh;
    }
    return u;
  }

  private rejectUnlessStuck(jobName: string, file: string, kind: string, mtimeMs: number, reason: string): boolean {
    if (this.stuck.get(file) === mtimeMs) return false;
    if (this.reject(jobName, file, kind, reason) === null) {
      this.stuck.set(file, mtimeMs);
      return false;
    }
    this.stuck.delete(file);
    return true;
  }
}

/**
 * Reads a trigger file without following a symlink and without blocking on a FIFO or device
 * put there after it was looked at: opened with O_NOFOLLOW | O_NONBLOCK and checked on the open
 * descriptor. Null when it is not a regular file; `text` null when it is not valid UTF-8.
 * @throws the file-system error (ENOENT when it went away, ELOOP for a symlink)
 */
function readRegularFile(file: string): { text: string | null } | null {
  const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const buf = Buffer.alloc(Math.min(st.size, MAX_TRIGGER_BYTES) + 1);
    let len = 0;
    while (len < buf.length) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, len)) };
    } catch (err) {
      void err; // Not UTF-8: the caller rejects the file with that reason.
      return { text: null };
    }
  } finally {
    closeSync(fd);
  }
}
