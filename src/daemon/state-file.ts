/**
 * `DATA_DIR/daemon-state.json`: what only the running daemon knows and readers want to show —
 * the scheduled fires it skipped per job (overlap: skip, pauses) since it started. Written
 * whole (a temporary file renamed over it), at most once a second, only when it changed.
 * Counts are statistics, not records: a lost update loses nothing a run needs.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochSeconds } from '../clock.js';

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
