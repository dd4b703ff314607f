/**
 * What Linux's /proc tells about processes: a process's start time (to tell a run's process from
 * a later process that got the same PID), its state, its process group, and which processes
 * carry a run's RUN_ID in their environment (to find processes that left the group).
 */
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';

/** One buffer reused for every /proc read (the daemon reads these synchronously, one at a time). */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Contents of a /proc file (whose size stat reports as 0, so it is read to the end), in the
 * shared scratch buffer: valid until the next call. Null when it cannot be read.
 */
function readProcFile(path: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    // Gone, or another user's process.
    return null;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, length);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, length, scratch.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return scratch.subarray(0, length);
  } catch {
    // ESRCH/EACCES while reading: the process ended or is not ours.
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The fields of /proc/PID/stat we use. */
export interface ProcStat {
  readonly pid: number;
  /** One letter: R, S, D, Z (zombie), T, X … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Field 22: start time in clock ticks since boot. */
  readonly startTime: number;
}

/** /proc/PID/stat parsed, or null if there is no such process (or it is not readable). */
export function readProcStat(pid: number): ProcStat | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const raw = readProcFile(`/proc/${pid}/stat`);
  if (raw === null) return null;
  const text = raw.toString('latin1');
  // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const session = Number(rest[3]);
  const startTime = Number(rest[19]);
  if (state === undefined || !Number.isFinite(startTime)) return null;
  return { pid, state, ppid, pgrp, session, startTime };
}

/**
 * Start time of process `pid` in clock ticks since boot (/proc/PID/stat field 22), or null if
 * there is no such process. Together with the PID this names one process for the life of the
 * machine: a PID reused later has a different start time.
 */
export function processStartTime(pid: number): number | null {
  return readProcStat(pid)?.startTime ?? null;
}

/** True when `pid` exists, is not a zombie, and (if given) has this start time. */
export function processAlive(pid: number, startTime?: number | null): boolean {
  const stat = readProcStat(pid);
  if (stat === null || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || startTime === null || stat.startTime === startTime;
}

function numericEntries(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    // No /proc (not Linux): nothing can be found.
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    if (/^[0-9]+$/.test(name)) pids.push(Number(name));
  }
  return pids;
}

/** Live (non-zombie) processes whose process group is `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const pid of numericEntries()) {
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') out.push(pid);
  }
  return out;
}

/**
 * Live processes (pid with its start time) whose environment holds `RUN_ID=<runId>`. Every
 * process of a run inherits RUN_ID unless it deliberately clears its environment, so this also
 * finds processes that left the run's process group (`setsid`, daemons). Only processes of our
 * own user are readable; others are skipped.
 */
export function processesWithRunId(runId: string): Array<{ pid: number; startTime: number; pgrp: number }> {
  const needle = Buffer.from(`RUN_ID=${runId}\0`);
  const out: Array<{ pid: number; startTime: number; pgrp: number }> = [];
  for (const pid of numericEntries()) {
    if (pid === process.pid) continue;
    const environ = readProcFile(`/proc/${pid}/environ`);
    if (environ === null) continue;
    const at = environ.indexOf(needle);
    if (at < 0 || (at > 0 && environ[at - 1] !== 0)) continue;
    const stat = readProcStat(pid);
    if (stat && stat.state !== 'Z') out.push({ pid, startTime: stat.startTime, pgrp: stat.pgrp });
  }
  return out;
}

/** O_CLOEXEC in /proc/PID/fdinfo `flags:` (octal). */
const O_CLOEXEC = 0o2000000;

/**
 * Our descriptors above 2 that a child would inherit: those without close-on-exec. Node opens
 * everything close-on-exec, so these came from whoever started the daemon (a supervisor's pipe,
 * a shell's extra descriptor). The original closed fds 3–1023 in each run; startRun covers these
 * with /dev/null so that a run never holds them open.
 */
export function inheritableDescriptors(): readonly number[] {
  inherited ??= Object.freeze(scanInheritableDescriptors());
  return inherited;
}

/**
 * Found once per process: what the daemon inherited does not change, and a scan of /proc/self/fd
 * costs a read per open descriptor, which grows with the number of runs going (a burst of 300
 * starts spent most of its time here before this was cached).
 */
let inherited: readonly number[] | null = null;

function scanInheritableDescriptors(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    // No /proc: nothing can be found.
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    const info = readProcFile(`/proc/self/fdinfo/${fd}`);
    if (info === null) continue; // closed meanwhile (e.g. the descriptor readdir itself used)
    const match = /^flags:\s*([0-7]+)$/m.exec(info.toString('latin1'));
    if (match?.[1] !== undefined && (parseInt(match[1], 8) & O_CLOEXEC) === 0) out.push(fd);
  }
  return out.sort((a, b) => a - b);
}
