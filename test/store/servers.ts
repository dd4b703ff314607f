/**
 * The real PostgreSQL and MariaDB servers of the test machine: per-file databases, reachability,
 * and short, always-undone outages. If a server is unreachable its tests are SKIPPED with a loud
 * warning — except under CI=true, where they fail.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { waitFor } from '../helpers/index.js';

export const PG_ADMIN = 'postgresql://postgres@127.0.0.1:5432/test';
export const MYSQL_ADMIN = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };

export function testDbName(): string {
  return `dsari_test_${randomBytes(5).toString('hex')}`;
}

export function pgDsn(db: string): string {
  return `postgresql://postgres@127.0.0.1:5432/${db}`;
}

export async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>, dsn = PG_ADMIN): Promise<T> {
  const c = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function mysqlAdmin<T>(fn: (c: mysql.Connection) => Promise<T>, database = 'test'): Promise<T> {
  const c = await mysql.createConnection({ ...MYSQL_ADMIN, database, connectTimeout: 5000, dateStrings: true });
  c.on('error', () => undefined);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** null if reachable, else why not. */
export async function pgUnreachable(): Promise<string | null> {
  try {
    await pgAdmin((c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return `PostgreSQL at ${PG_ADMIN} unreachable: ${(err as Error).message}`;
  }
}

export async function mysqlUnreachable(): Promise<string | null> {
  try {
    await mysqlAdmin((c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return `MariaDB at 127.0.0.1:3306 unreachable: ${(err as Error).message}`;
  }
}

/**
 * Decides what an unreachable server means: under CI=true an error (tests must fail), else a
 * loud warning and a skip. Returns true if the tests should be skipped.
 */
export function skipBecause(reason: string | null): boolean {
  if (reason === null) return false;
  if (process.env['CI'] === 'true') return false; // run them: they fail with the real error
  console.warn(`\n!!!!!!!! SKIPPING store tests: ${reason} !!!!!!!!\n`);
  return true;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The installed PostgreSQL cluster version (ls /etc/postgresql). */
export function pgVersion(): string {
  const v = readdirSync('/etc/postgresql').sort().pop();
  if (v === undefined) throw new Error('no PostgreSQL cluster in /etc/postgresql');
  return v;
}

/** Stops PostgreSQL for real. Pair with {@link startPostgres} in a finally. */
export async function stopPostgres(): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion(), 'main', 'stop', '-m', 'fast']);
}

/** Starts PostgreSQL (again) and waits until it answers. Safe to call when it runs. */
export async function startPostgres(): Promise<void> {
  if ((await pgUnreachable()) === null) return;
  try {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', pgVersion(), 'main', 'start']);
  } catch (err) {
    // another engineer's test may have started it at the same moment ("already running",
    // "lock file postmaster.pid already exists"): fine if it answers below
    console.warn(`starting PostgreSQL: ${(err as Error).message.split('\n')[0]}`);
  }
  await waitFor('PostgreSQL to answer', async () => (await pgUnreachable()) === null, { timeoutMs: 60_000, intervalMs: 200 });
}

async function mariadbPids(): Promise<string[]> {
  try {
    return (await run('pidof', ['mariadbd'])).trim().split(/\s+/);
  } catch {
    return []; // pidof exits 1 when there is none
  }
}

/**
 * Stops MariaDB for real and waits until that process is gone (not only its port closed). If
 * another engineer's test starts a new one meanwhile, that is fine too.
 */
export async function stopMariadb(): Promise<void> {
  const before = await mariadbPids();
  await run('mysqladmin', ['-uroot', '-h127.0.0.1', '-P3306', 'shutdown']);
  await waitFor('MariaDB to stop', async () => (await mariadbPids()).every((p) => !before.includes(p)), { timeoutMs: 60_000, intervalMs: 100 });
}

/** Starts MariaDB the way the machine started it, and waits until it answers. */
export async function startMariadb(): Promise<void> {
  if ((await mysqlUnreachable()) === null) return;
  // a server still shutting down would make start-stop-daemon --oknodo do nothing
  await waitFor('the old MariaDB process to exit', async () => (await mariadbPids()).length === 0 || (await mysqlUnreachable()) === null, {
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  if ((await mysqlUnreachable()) === null) return;
  try {
    await run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd']);
  } catch (err) {
    console.warn(`starting MariaDB: ${(err as Error).message.split('\n')[0]}`); // checked below
  }
  await waitFor('MariaDB to answer', async () => (await mysqlUnreachable()) === null, { timeoutMs: 60_000, intervalMs: 200 });
}
