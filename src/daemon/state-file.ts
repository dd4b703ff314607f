/**
 * `DATA_DIR/daemon-state.json`: what only the running daemon knows and readers want to show —
 * the scheduled fires it skipped per job (overlap: skip, pauses) since it started. Written
 * whole (a temporary file renamed over it), at most once a second, only when it changed.
 * Counts are statistics, not records: a lost update loses nothing a run needs.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, EpochSeconds, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

export const STATE_FILE = 'daemon-state.json';

export interface DaemonStateFile {
  readonly pid: number;
  readonly started_at: EpochSeconds;
  readonly written_at: EpochSeconds;
  /** Scheduled fires skipped per job since `started_at`. */
  readonly skipped_fires: Readonly<Record<string, number>>;
}

export function writeStateFile(dataDir: string, state: DaemonStateFile): void {
  const file = join(dataDir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, file);
}

/**
 * The daemon's state file, or null when there is none, it cannot be read, or the daemon that
 * wrote it is no longer running (its counts would be stale).
 */
export function readStateFile(dataDir: string, isAlive: (pid: number) => boolean): DaemonStateFile | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dataDir, STATE_FILE), 'utf8'));
  } catch {
    // No file (no daemon has skipped anything yet) or a torn one: nothing to show.
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const s = parsed as Partial<DaemonStateFile>;
  if (typeof s.pid !== 'number' || !isAlive(s.pid) || typeof s.skipped_fires !== 'object' || s.skipped_fires === null) return null;
  return s as DaemonStateFile;
}

/** Writes the skipped-fire counts for readers, at most once a second, only after a skip. */
export class StateFileWriter {
  private timer: TimerHandle | null = null;
  private readonly startedAt: EpochSeconds;

  constructor(
    private readonly dataDir: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** The counts now, per job. */
    private readonly counts: () => Record<string, number>,
  ) {
    this.startedAt = clock.now();
  }

  /** Something was skipped: the file is written within a second. */
  changed(): void {
    if (this.timer !== null) return;
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      try {
        writeStateFile(this.dataDir, { pid: process.pid, started_at: this.startedAt, written_at: this.clock.now(), skipped_fires: this.counts() });
      } catch (err) {
        this.log.debug(`Cannot write ${STATE_FILE}: ${errorMessage(err)}`);
      }
    }, 1000);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }
}
