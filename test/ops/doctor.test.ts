/**
 * `dsari doctor` (SPEC-BEYOND §16), run as a user would: each finding with its fix, exit 1 when
 * something would stop the daemon, and nothing created or changed by looking.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIST_CLI, makeTempDir, ROOT, runCli } from '../helpers/index.js';
import { pgAdmin, pgDsn, pgUnreachable, skipBecause, testDbName } from '../store/servers.js';

const pgSkipped = skipBecause(await pgUnreachable());
let tmp: { path: string; cleanup: () => void };
let etc: string;
let data: string;
beforeEach(() => {
  tmp = makeTempDir('dsari-doctor-');
  // Searchable by everyone: one test runs doctor as another user.
  chmodSync(tmp.path, 0o755);
  etc = join(tmp.path, 'etc');
  data = join(tmp.path, 'var');
  mkdirSync(etc, { mode: 0o755 });
  config('jobs:\n  backup:\n    command: /bin/true\n');
});
afterEach(() => tmp.cleanup());

function config(body: string): void {
  writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(data)}\n${body}`, { mode: 0o644 });
}

function doctor(args: string[] = [], env: Record<string, string> = {}) {
  return runCli('dsari', ['doctor', '-c', etc, ...args], { env: { TZ: 'UTC', ...env } });
}

/** The finding lines of one check: `SEVERITY check message` and its `fix:` line. */
function finding(stdout: string, check: string): string {
  const lines = stdout.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\S+\\s+${check}\\s{2}`).test(l));
  if (i < 0) throw new Error(`no finding for ${check} in:\n${stdout}`);
  const next = lines[i + 1] ?? '';
  return /^\s+fix: /.test(next) ? `${lines[i]}\n${next.trim()}` : (lines[i] as string);
}

describe('dsari doctor', () => {
  it('a new installation: all ok, exit 0, and nothing created', async () => {
    const r = await doctor();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(finding(r.stdout, 'configuration')).toMatch(/^ok +configuration +1 job\(s\); data directory .*\/var$/);
    expect(finding(r.stdout, 'data directory')).toMatch(/^ok +data directory +.*\/var does not exist yet; the daemon creates it at start$/);
    expect(finding(r.stdout, 'store')).toMatch(/^ok +store +.*dsari\.sqlite3 does not exist yet; the daemon creates it$/);
    expect(finding(r.stdout, 'time zone')).toMatch(/^ok +time zone +schedules without schedule_timezone use UTC$/);
    expect(finding(r.stdout, 'native starter')).toMatch(/^(ok|warning) +native starter/);
    expect(r.stdout).toMatch(/\nNothing would stop the daemon; \d+ warning\(s\)\n$/);
    expect(existsSync(data)).toBe(false);
  });

  it('after the daemon ran: the store schema, the data directory and the triggers checked', async () => {
    mkdirSync(join(data, 'trigger', 'backup'), { recursive: true });
    const db = new Database(join(data, 'dsari.sqlite3'));
    db.exec('CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text); CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text)');
    db.close();
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(finding(r.stdout, 'data directory')).toMatch(/^ok +data directory +.*\/var: owner uid \d+, mode 0755, [\d.]+ [KMGT]iB free$/);
    expect(finding(r.stdout, 'store')).toMatch(/^ok +store +.*dsari\.sqlite3: SQLite, schema as expected, writable$/);
    expect(finding(r.stdout, 'trigger directories')).toMatch(/^ok +trigger directories +.*\/trigger: 1 job directory, usable$/);
  });

  it('a configuration error: ERROR naming the file and the key, exit 1; the host checks still run', async () => {
    config('jobs:\n  backup:\n    command: /bin/true\n    schedule: 5\n');
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(finding(r.stdout, 'configuration')).toMatch(/^ERROR +configuration +.*dsari\.yaml.*backup.*schedule.*\n\s*fix: correct the file and key named; `dsari info config check` says the same$/);
    expect(r.stdout).not.toMatch(/data directory|store/);
    expect(finding(r.stdout, 'time zone')).toMatch(/^ok/);
    expect(r.stdout).toMatch(/\n1 problem\(s\) would stop the daemon; \d+ warning\(s\)\n$/);
  });

  it('a store that is not a dsari database, or not a database: ERROR with the fix', async () => {
    mkdirSync(data);
    const db = new Database(join(data, 'dsari.sqlite3'));
    db.exec('CREATE TABLE runs (job_name text, run_id text)');
    db.close();
    let r = await doctor();
    expect(r.code).toBe(1);
    expect(finding(r.stdout, 'store')).toMatch(/^ERROR +store +.*dsari\.sqlite3: table runs lacks column\(s\) schedule_time, start_time, stop_time, exit_code, trigger_type, trigger_data, run_data\n\s*fix: this is not a dsari database, or a damaged one: restore it from a backup/);
    writeFileSync(join(data, 'dsari.sqlite3'), 'not a database at all, but long enough to have a header...'.repeat(20));
    r = await doctor();
    expect(r.code).toBe(1);
    expect(finding(r.stdout, 'store')).toMatch(/^ERROR +store +.*dsari\.sqlite3 cannot be read as a SQLite database: file is not a database\n\s*fix: restore it from a backup/);
  });

  it('warnings: a world-writable data directory, triggers of a removed job, rejected triggers, an unknown TZ; exit 0', async () => {
    mkdirSync(join(data, 'trigger', 'gone'), { recursive: true });
    mkdirSync(join(data, 'trigger', 'backup', 'rejected'), { recursive: true });
    writeFileSync(join(data, 'trigger', 'backup', 'rejected', 'trigger.json.1'), '[');
    writeFileSync(join(data, 'trigger', 'backup', 'rejected', 'trigger.json.1.reason'), 'not JSON');
    chmodSync(data, 0o777);
    const r = await doctor([], { TZ: 'Mars/Olympus_Mons' });
    expect(r.code).toBe(0);
    expect(finding(r.stdout, 'data directory')).toMatch(/^warning +data directory +.*\/var is writable by everyone \(mode 0777\): anyone can plant trigger files\n\s*fix: chmod o-w .*\/var$/);
    expect(r.stdout).toMatch(/warning +trigger directories +.*\/trigger\/gone belongs to no configured job; its triggers are rejected\n\s+fix: remove .*\/gone if job "gone" is gone for good/);
    expect(r.stdout).toMatch(/warning +trigger directories +1 rejected trigger\(s\) in .*\/backup\/rejected\n\s+fix: read the \.reason file beside each, then delete them/);
    expect(finding(r.stdout, 'time zone')).toMatch(/^warning +time zone +TZ=Mars\/Olympus_Mons is not a time zone this system knows; schedules without schedule_timezone use UTC\n\s*fix: set TZ to an IANA name/);
  });

  it('--json: the findings as an array', async () => {
    const r = await doctor(['--json'], { DSARI_SPAWN: 'child_process' });
    const findings = JSON.parse(r.stdout) as Array<{ check: string; severity: string; message: string }>;
    expect(findings.map((f) => f.check)).toEqual(['configuration', 'data directory', 'store', 'trigger directories', 'time zone', 'native starter', 'systemd notify']);
    expect(findings.find((f) => f.check === 'native starter')).toEqual({ check: 'native starter', severity: 'ok', message: 'runs are started with child_process (DSARI_SPAWN=child_process)' });
  });

  it('a data directory the user cannot read: a clear ERROR with the owner, mode and fix, exit 1', () => {
    // Root reads everything: as root, doctor runs as nobody; else as this user, on a mode-0 directory.
    const root = process.getuid?.() === 0;
    const uid = root ? 65534 : (process.getuid?.() ?? 0);
    const owner = process.getuid?.() ?? 0;
    const asUser = (): { status: number | null; stdout: string; stderr: string } => {
      const argv = [process.execPath, join(DIST_CLI, 'dsari.js'), 'doctor', '-c', etc];
      const [cmd, ...args] = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv;
      return spawnSync(cmd as string, args, { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', HOME: '/nonexistent' } });
    };
    mkdirSync(join(data, 'runs'), { recursive: true });
    const mode = root ? 0o700 : 0o000;
    chmodSync(data, mode);
    let r = asUser();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const fix = root ? `chown -R ${uid} .*/var, or run the daemon as uid ${owner}` : 'chmod u\\+rwx .*/var';
    expect(finding(r.stdout, 'data directory')).toMatch(new RegExp(`^ERROR +data directory +cannot read and write .*/var as uid ${uid}: EACCES \\(owner uid ${owner}, mode 0${mode.toString(8).padStart(3, '0')}\\)\\n\\s*fix: ${fix}$`));
    expect(r.stdout).toMatch(/\n\d problem\(s\) would stop the daemon/);
    chmodSync(data, 0o755);

    // A directory on the way that cannot be searched: the data directory cannot even be looked at.
    mkdirSync(join(tmp.path, 'private'), { mode: 0o700 });
    chmodSync(join(tmp.path, 'private'), root ? 0o700 : 0o000);
    writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(tmp.path, 'private', 'var'))}\njobs: {}\n`);
    r = asUser();
    chmodSync(join(tmp.path, 'private'), 0o700);
    expect(r.status).toBe(1);
    expect(finding(r.stdout, 'data directory')).toMatch(/^ERROR +data directory +cannot read .*\/private\/var: EACCES: permission denied, stat .*\n\s*fix: make every directory on the way to .*\/private\/var searchable by uid \d+/);
    expect(existsSync(join(tmp.path, 'private', 'var'))).toBe(false);
  });

  it('PostgreSQL: an unreachable server is an ERROR naming the type, with the fix', async () => {
    config(`database: {type: postgresql, dsn: "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=5"}\njobs: {}\n`);
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(finding(r.stdout, 'store')).toMatch(/^ERROR +store +postgresql: .*ECONNREFUSED.*\n\s*fix: check that the server runs and that the configured database, user and password are right/);
  });

  it.skipIf(pgSkipped)('PostgreSQL: a reachable database with readable tables is ok', async () => {
    const db = testDbName();
    await pgAdmin((c) => c.query(`CREATE DATABASE ${db}`));
    try {
      config(`database: {type: postgresql, dsn: ${JSON.stringify(pgDsn(db))}}\njobs: {}\n`);
      const r = await doctor();
      expect(r.code, r.stdout).toBe(0);
      expect(finding(r.stdout, 'store')).toBe('ok       store                postgresql: reachable, tables readable (whether it is writable is not checked: doctor never writes rows)');
    } finally {
      await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
    }
  });
});
