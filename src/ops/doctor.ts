/**
 * `dsari doctor` (SPEC-BEYOND §16): checks what the daemon needs from its host before it needs
 * it — the configuration, the store, the data directory, the trigger directories, the time zone
 * and the native helpers — and says, for each problem, how to fix it. Doctor never creates a
 * directory or a file, and never writes a row; a PostgreSQL or MySQL database is opened the way
 * every dsari command opens it.
 */
import type Database from 'better-sqlite3';
import { openSqliteDatabase } from '../store/sqlite-driver.js';
import { accessSync, constants, existsSync, readdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { SPAWN_METHOD_VARIABLE, spawnMethod } from '../executor/native.js';
import { Logger, MemorySink } from '../log.js';
import { isValidZone, localZone } from '../schedule/time.js';
import { createStore } from '../store/index.js';
import { notifyAddonProblem } from './notify-socket.js';

/** ok; a warning (the daemon runs, something is off); an error (the daemon would not start or work). */
export type Severity = 'ok' | 'warning' | 'error';

export interface Finding {
  readonly check: string;
  readonly severity: Severity;
  readonly message: string;
  /** What to do about it (not for ok). */
  readonly fix?: string;
}

/** Below this much free space in DATA_DIR, a warning (run output and the database grow there). */
export const LOW_SPACE_BYTES = 100 * 1024 * 1024;

/** statfs(2) f_type of file systems SQLite's locking is not safe on. */
const NETWORK_FS: Readonly<Record<number, string>> = { 0x6969: 'NFS', 0xff534d42: 'CIFS', 0xfe534d42: 'SMB2', 0x517b: 'SMB', 0x65735546: 'FUSE' };

const ok = (check: string, message: string): Finding => ({ check, severity: 'ok', message });
const warning = (check: string, message: string, fix: string): Finding => ({ check, severity: 'warning', message, fix });
const error = (check: string, message: string, fix: string): Finding => ({ check, severity: 'error', message, fix });

function canAccess(path: string, mode: number): NodeJS.ErrnoException | null {
  try {
    accessSync(path, mode);
    return null;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** DATA_DIR: there (or creatable), ours, usable, not world-writable, with room, on a local file system. */
export function checkDataDir(dataDir: string, uid: number): Finding[] {
  const check = 'data directory';
  let st;
  try {
    st = statSync(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      return [error(check, `cannot read ${dataDir}: ${errorMessage(err)}`, `make every directory on the way to ${dataDir} searchable by uid ${uid} (chmod o+x, or run the daemon as their owner)`)];
    }
    const parent = existingParent(dataDir);
    const denied = canAccess(parent, constants.W_OK | constants.X_OK);
    return denied === null
      ? [ok(check, `${dataDir} does not exist yet; the daemon creates it at start`)]
      : [error(check, `${dataDir} does not exist and cannot be created: ${parent} is not writable (${denied.code ?? denied.message})`, `mkdir -p ${dataDir} && chown ${uid} ${dataDir}`)];
  }
  if (!st.isDirectory()) return [error(check, `${dataDir} is not a directory`, `point data_dir at a directory, or move ${dataDir} away`)];
  const out: Finding[] = [];
  const denied = canAccess(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  if (denied !== null) {
    const fix = st.uid === uid ? `chmod u+rwx ${dataDir}` : `chown -R ${uid} ${dataDir}, or run the daemon as uid ${st.uid}`;
    out.push(error(check, `cannot read and write ${dataDir} as uid ${uid}: ${denied.code ?? errorMessage(denied)} (owner uid ${st.uid}, mode ${octal(st.mode)})`, fix));
    return out;
  }
  if (st.uid !== uid) out.push(warning(check, `${dataDir} is owned by uid ${st.uid}, not by uid ${uid} who runs this`, `chown -R ${uid} ${dataDir}, or run dsari as uid ${st.uid} (files the daemon writes must stay readable by dsari-info and dsari-render)`));
  if ((st.mode & 0o002) !== 0) out.push(warning(check, `${dataDir} is writable by everyone (mode ${octal(st.mode)}): anyone can plant trigger files`, `chmod o-w ${dataDir}`));
  try {
    const fs = statfsSync(dataDir);
    const free = fs.bavail * fs.bsize;
    const network = NETWORK_FS[fs.type];
    if (free < LOW_SPACE_BYTES) out.push(warning(check, `only ${formatBytes(free)} free in ${dataDir}`, 'free some space: old run directories (DATA_DIR/runs) can go once their runs are no longer wanted'));
    if (network !== undefined) out.push(warning(check, `${dataDir} is on ${network}: SQLite's locking is not reliable on network file systems`, 'put data_dir on a local file system, or use PostgreSQL or MySQL'));
    if (out.length === 0) out.push(ok(check, `${dataDir}: owner uid ${st.uid}, mode ${octal(st.mode)}, ${formatBytes(free)} free`));
  } catch (err) {
    out.push(warning(check, `cannot tell the free space of ${dataDir}: ${errorMessage(err)}`, 'check it with df'));
  }
  return out;
}

function existingParent(path: string): string {
  let p = dirname(path);
  while (!existsSync(p) && p !== dirname(p)) p = dirname(p);
  return p;
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** The tables and columns the daemon writes (SPEC §3); more columns are fine. */
const SCHEMA: Readonly<Record<string, readonly string[]>> = {
  runs: ['job_name', 'run_id', 'schedule_time', 'start_time', 'stop_time', 'exit_code', 'trigger_type', 'trigger_data', 'run_data'],
  runs_running: ['job_name', 'run_id', 'schedule_time', 'start_time', 'trigger_type', 'trigger_data', 'run_data'],
};

/** A SQLite file, opened read-only: present or creatable, the schema, writable by the daemon. */
export function checkSqlite(file: string): Finding[] {
  const check = 'store';
  try {
    statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return [error(check, `cannot read ${file}: ${errorMessage(err)}`, `make ${dirname(file)} readable and writable by the daemon's user`)];
  }
  if (!existsSync(file)) {
    const denied = canAccess(existingParent(join(file, 'x')), constants.W_OK);
    return denied === null ? [ok(check, `${file} does not exist yet; the daemon creates it`)] : [error(check, `${file} does not exist and its directory is not writable`, `make ${dirname(file)} writable by the daemon's user`)];
  }
  let db: Database.Database;
  try {
    db = openSqliteDatabase(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return [error(check, `cannot open ${file}: ${errorMessage(err)}`, `check the file's permissions (the daemon needs read and write)`)];
  }
  const out: Finding[] = [];
  try {
    for (const [table, columns] of Object.entries(SCHEMA)) {
      const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
      if (have.size === 0) continue;
      const missing = columns.filter((c) => !have.has(c));
      if (missing.length > 0) out.push(error(check, `${file}: table ${table} lacks column(s) ${missing.join(', ')}`, 'this is not a dsari database, or a damaged one: restore it from a backup, or move it away and let the daemon create a new one'));
    }
  } catch (err) {
    out.push(error(check, `${file} cannot be read as a SQLite database: ${errorMessage(err)}`, 'restore it from a backup (docs/operations.md, "Backups"), or move it away'));
  } finally {
    db.close();
  }
  const denied = canAccess(file, constants.W_OK) ?? canAccess(dirname(file), constants.W_OK);
  if (denied !== null) out.push(error(check, `${file} or its directory is not writable (${denied.code ?? denied.message}); the daemon cannot record runs`, `chown the file and ${dirname(file)} to the daemon's user`));
  if (out.length === 0) out.push(ok(check, `${file}: SQLite, schema as expected, writable`));
  return out;
}

/** A PostgreSQL or MySQL store: reachable, and its tables readable. Doctor does not write to it. */
async function checkServerStore(config: Config): Promise<Finding[]> {
  const check = 'store';
  const store = createStore(config.database, { log: new Logger({ sink: new MemorySink() }), readOnly: true });
  try {
    await store.open();
    await store.listRunning();
    await store.listRuns({ limit: 1 });
    return [ok(check, `${config.database.type}: reachable, tables readable (whether it is writable is not checked: doctor never writes rows)`)];
  } catch (err) {
    return [error(check, `${config.database.type}: ${errorMessage(err)}`, 'check that the server runs and that the configured database, user and password are right (docs/database.md)')];
  } finally {
    // The finding above already says what is wrong with this connection; closing it is tidying.
    await store.close().catch(() => undefined);
  }
}

/** DATA_DIR/trigger/JOB: writable (the daemon removes taken triggers); leftovers of removed jobs. */
export function checkTriggers(config: Config): Finding[] {
  const check = 'trigger directories';
  const root = join(config.dataDir, 'trigger');
  if (!existsSync(root)) return [ok(check, `${root} does not exist yet; the daemon creates it`)];
  const out: Finding[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    return [error(check, `cannot read ${root}: ${errorMessage(err)}`, `chown -R the daemon's user ${root}`)];
  }
  for (const name of names) {
    const dir = join(root, name);
    const denied = canAccess(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    if (denied !== null) out.push(error(check, `${dir} is not readable and writable (${denied.code ?? denied.message}); triggers there are never taken`, `chown -R the daemon's user ${dir}`));
    else if (!config.jobs.has(name)) out.push(warning(check, `${dir} belongs to no configured job; its triggers are rejected`, `remove ${dir} if job "${name}" is gone for good`));
    const rejected = join(dir, 'rejected');
    if (existsSync(rejected)) {
      const n = readdirSync(rejected).filter((f) => !f.endsWith('.reason')).length;
      if (n > 0) out.push(warning(check, `${n} rejected trigger(s) in ${rejected}`, 'read the .reason file beside each, then delete them'));
    }
  }
  if (out.length === 0) out.push(ok(check, `${root}: ${names.length} job director${names.length === 1 ? 'y' : 'ies'}, usable`));
  return out;
}

/** TZ (when set) names a zone; the zone schedules use. */
export function checkTimeZone(env: NodeJS.ProcessEnv): Finding[] {
  const check = 'time zone';
  const tz = env['TZ'];
  const name = tz?.startsWith(':') === true ? tz.slice(1) : tz;
  if (name !== undefined && name !== '' && !isValidZone(name) && !/zoneinfo\/(.+)$/.test(name)) {
    return [warning(check, `TZ=${tz} is not a time zone this system knows; schedules without schedule_timezone use ${localZone()}`, 'set TZ to an IANA name such as Europe/Berlin, or unset it to use /etc/localtime')];
  }
  return [ok(check, `schedules without schedule_timezone use ${localZone()}`)];
}

/** The native process starter and the systemd notify addon. */
export function checkNative(env: NodeJS.ProcessEnv): Finding[] {
  const out: Finding[] = [];
  const { method, reason, chosen, reaper, reaperReason } = spawnMethod();
  if (method === 'posix_spawn') out.push(ok('native starter', 'runs are started with posix_spawn'));
  else if (chosen) out.push(ok('native starter', `runs are started with child_process (${reason ?? 'chosen'})`));
  else out.push(warning('native starter', `runs are started with child_process, slower in bursts: ${reason ?? 'unknown reason'}`, 'npm run build:native in the dsari package (needs python3, make and a C compiler)'));
  // With child_process the wrapper is the only way; said only where there is a choice.
  if (method === 'posix_spawn') {
    if (reaper) out.push(ok('exit statuses', 'kept by dsari-reaper, the parent of the runs'));
    else if (reaperReason?.startsWith(`${SPAWN_METHOD_VARIABLE}=`)) out.push(ok('exit statuses', `kept by the /bin/sh wrapper around each run (${reaperReason})`));
    else out.push(warning('exit statuses', `kept by the /bin/sh wrapper around each run, slower in bursts: ${reaperReason ?? 'unknown reason'}`, 'npm run build:native in the dsari package (needs python3, make and a C compiler)'));
  }
  const notify = notifyAddonProblem();
  if (notify === null) out.push(ok('systemd notify', 'the notify addon is built'));
  else if (env['NOTIFY_SOCKET'] !== undefined) out.push(error('systemd notify', `NOTIFY_SOCKET is set but ${notify}`, 'npm run build:native in the dsari package, or use Type=simple in the unit'));
  else out.push(warning('systemd notify', `${notify}; a Type=notify systemd unit would time out`, 'npm run build:native in the dsari package (needs python3, make and a C compiler)'));
  return out;
}

/** Every check, in order; the checks that need the configuration are skipped without one. */
export async function runDoctor(options: { configDir: string | undefined; env?: NodeJS.ProcessEnv; uid?: number }): Promise<Finding[]> {
  const env = options.env ?? process.env;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const out: Finding[] = [];
  let config: Config | null = null;
  try {
    config = loadConfig({ configDir: options.configDir, env, log: new Logger({ sink: new MemorySink() }) });
    out.push(ok('configuration', `${config.jobs.size} job(s); data directory ${config.dataDir}`));
  } catch (err) {
    out.push(error('configuration', errorMessage(err), 'correct the file and key named; `dsari info config check` says the same'));
  }
  if (config !== null) {
    const dataDir = checkDataDir(config.dataDir, uid);
    out.push(...dataDir);
    if (config.database.type === 'sqlite3') out.push(...checkSqlite(config.database.file));
    else out.push(...(await checkServerStore(config)));
    if (!dataDir.some((f) => f.severity === 'error')) out.push(...checkTriggers(config));
  }
  out.push(...checkTimeZone(env), ...checkNative(env));
  return out;
}
