/**
 * MySQL / MariaDB backend (`mysql2`). The original's tables (char(36) run ids, datetime(6) UTC
 * times, text JSON). Times travel as 'YYYY-MM-DD HH:MM:SS.ffffff' text (dateStrings), read and
 * written as UTC, exact to the microsecond; the session time zone is '+00:00'.
 */
import type mysql from 'mysql2/promise';
import { mysqlPackage } from '../lazy-packages.js';
import type { MysqlConnection } from '../config/types.js';
import { INDEXES } from './sql.js';
import { MYSQL_POLICY_TABLES, PAUSES_TABLE, PENDING_TABLE, POLICY_INDEXES } from './policy-sql.js';
import { NOTIFICATIONS_TABLE, notificationsDdl } from './notifications-table.js';
import { formatUtc, parseUtc, ServerStore, type ServerBackend, type ServerConnection } from './network.js';
import { describeMysql, scrubSecrets } from './redact.js';

export const MYSQL_RUNS_DDL = `CREATE TABLE runs (
  job_name varchar(255) NOT NULL,
  run_id char(36) PRIMARY KEY,
  schedule_time datetime(6) NOT NULL,
  start_time datetime(6) NOT NULL,
  stop_time datetime(6) NOT NULL,
  exit_code tinyint unsigned NOT NULL,
  trigger_type varchar(127) NOT NULL,
  trigger_data text NOT NULL,
  run_data text NOT NULL
)`;
export const MYSQL_RUNS_RUNNING_DDL = `CREATE TABLE runs_running (
  job_name varchar(255) NOT NULL,
  run_id char(36) PRIMARY KEY,
  schedule_time datetime(6) NOT NULL,
  start_time datetime(6) NOT NULL,
  trigger_type varchar(127) NOT NULL,
  trigger_data text NOT NULL,
  run_data text NOT NULL
)`;

/** The original passes `connection` to MySQLdb.connect: map its keywords onto mysql2's. */
export function mysqlOptions(c: MysqlConnection): mysql.ConnectionOptions {
  const o: mysql.ConnectionOptions = {
    dateStrings: true,
    supportBigNumbers: true,
    timezone: 'Z',
    connectTimeout: 10_000,
    charset: 'utf8mb4',
    // affectedRows then counts only rows really inserted (an ignored duplicate is 0)
    flags: ['-FOUND_ROWS'],
  };
  if (c.host !== undefined) o.host = c.host;
  if (c.user !== undefined) o.user = c.user;
  if (c.passwd !== undefined) o.password = c.passwd;
  if (typeof c['password'] === 'string') o.password = c['password'];
  if (c.db !== undefined) o.database = c.db;
  if (typeof c['database'] === 'string') o.database = c['database'];
  if (c.port !== undefined) o.port = Number(c.port);
  if (typeof c['unix_socket'] === 'string') o.socketPath = c['unix_socket'];
  if (typeof c['connect_timeout'] === 'number') o.connectTimeout = c['connect_timeout'] * 1000;
  if (typeof c['charset'] === 'string') o.charset = c['charset'];
  return o;
}

/**
 * `mysql://user:pass@host:port/db` → the original's `connection` mapping.
 */
export function mysqlConnectionFromUri(uri: string): MysqlConnection {
  const u = new URL(uri);
  const c: Record<string, unknown> = { host: u.hostname || 'localhost' };
  if (u.username) c['user'] = decodeURIComponent(u.username);
  if (u.password) c['passwd'] = decodeURIComponent(u.password);
  if (u.port) c['port'] = Number(u.port);
  const db = u.pathname.replace(/^\//, '');
  if (db) c['db'] = decodeURIComponent(db);
  return c as MysqlConnection;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR', 'ER_SERVER_GONE_ERROR', 'ER_SERVER_LOST', 'ER_QUERY_INTERRUPTED',
]);

function isMysqlConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errno?: unknown; fatal?: unknown; message?: unknown };
  if (CONNECTION_CODES.has(String(e.code ?? ''))) return true;
  if (e.fatal === true) return true;
  if ([1053, 1927, 2002, 2003, 2006, 2013].includes(Number(e.errno))) return true;
  return /closed state|connection lost|Connection lost|server has gone away/i.test(String(e.message ?? ''));
}

class MysqlConn implements ServerConnection {
  broken = false;
  constructor(private readonly conn: mysql.Connection) {
    conn.on('error', () => {
      this.broken = true;
    });
    conn.on('end', () => {
      this.broken = true;
    });
  }
  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const [rows] = await this.conn.query(sql, params as unknown[]);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  }
  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const [result] = await this.conn.query(sql, params as unknown[]);
    return Array.isArray(result) ? 0 : (result as mysql.ResultSetHeader).affectedRows;
  }
  async close(): Promise<void> {
    this.broken = true;
    await this.conn.end();
  }
}

/** The `mysql2` driver, loaded on first connection only (see loadPg in postgresql.ts). */
let mysqlModule: Promise<typeof mysql> | undefined;
function loadMysql(): Promise<typeof mysql> {
  mysqlModule ??= Promise.resolve().then(mysqlPackage);
  return mysqlModule;
}

export function mysqlBackend(connection: MysqlConnection): ServerBackend {
  const options = mysqlOptions(connection);
  return {
    kind: 'mysql',
    target: describeMysql(connection),
    dialect: {
      encodeTime: formatUtc,
      diffSeconds: (a, b) => `(TIMESTAMPDIFF(MICROSECOND, ${b}, ${a}) / 1000000)`,
    },
    async connect() {
      const { createConnection } = await loadMysql();
      const c = await createConnection(options);
      const conn = new MysqlConn(c);
      try {
        await c.query("SET time_zone = '+00:00'");
      } catch (err) {
        c.destroy();
        throw err;
      }
      return conn;
    },
    walkJobNames: false,
    createSchema: createMysqlSchema,
    insertPauseSql: `INSERT INTO ${PAUSES_TABLE} (job_name, paused_at, paused_by, reason) VALUES (?, ?, ?, ?)
      ON DUPLICATE KEY UPDATE job_name = ${PAUSES_TABLE}.job_name`,
    insertPendingSql: `INSERT INTO ${PENDING_TABLE} (run_id, job_name, schedule_time, trigger_type, trigger_data, created_at)
      SELECT ?, ?, ?, ?, ?, ? FROM DUAL
      WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?) AND NOT EXISTS (SELECT 1 FROM runs_running WHERE run_id = ?)
      ON DUPLICATE KEY UPDATE run_id = ${PENDING_TABLE}.run_id`,
    insertRunningSql: `INSERT INTO runs_running (job_name, run_id, schedule_time, start_time, trigger_type, trigger_data, run_data)
      SELECT ?, ?, ?, ?, ?, ?, ? FROM DUAL
      WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?)
      ON DUPLICATE KEY UPDATE run_id = runs_running.run_id`,
    insertFinishedSql: (rows) =>
      `INSERT INTO runs (job_name, run_id, schedule_time, start_time, stop_time, exit_code, trigger_type, trigger_data, run_data)
      VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON DUPLICATE KEY UPDATE run_id = runs.run_id`,
    decodeTime: parseUtc,
    isConnectionError: isMysqlConnectionError,
    scrub: (message) => scrubSecrets(message, [connection.passwd, typeof connection['password'] === 'string' ? connection['password'] : undefined]),
  };
}

/**
 * The named lock held while tables and indexes are created, so that processes starting together
 * on a new database take turns. GET_LOCK names are server-wide: the database's name is part of
 * it (cut to MySQL's 64 characters).
 */
const MYSQL_SCHEMA_LOCK = "SELECT LEFT(CONCAT('dsari_schema.', DATABASE()), 64) AS name";
/** Seconds to wait for another process's schema step (creating indexes on a big table is slow). */
export const MYSQL_SCHEMA_LOCK_WAIT_S = 600;

/** Creates what is missing, under the schema lock; see ServerBackend.createSchema. */
async function createMysqlSchema(conn: ServerConnection): Promise<string[]> {
  const lock = String((await conn.query(MYSQL_SCHEMA_LOCK))[0]?.['name']);
  const got = (await conn.query('SELECT GET_LOCK(?, ?) AS got', [lock, MYSQL_SCHEMA_LOCK_WAIT_S]))[0]?.['got'];
  if (Number(got) !== 1) {
    // ServerStore.wrap makes it a StoreError naming the database ("… creating tables failed: …")
    throw new Error(`another process held the lock ${lock} for more than ${MYSQL_SCHEMA_LOCK_WAIT_S} s`);
  }
  try {
    const tables = new Set(
      (await conn.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()')).map((r) =>
        String(r['name'] ?? r['NAME'] ?? r['TABLE_NAME']),
      ),
    );
    const indexes = new Set(
      (await conn.query('SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE()')).map((r) =>
        String(r['name'] ?? r['NAME'] ?? r['INDEX_NAME']),
      ),
    );
    const created: string[] = [];
    const table = async (name: string, ddl: string): Promise<void> => {
      if (tables.has(name)) return;
      await conn.query(ddl);
      created.push(`table ${name}`);
    };
    await table('runs', MYSQL_RUNS_DDL.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
    await table('runs_running', MYSQL_RUNS_RUNNING_DDL.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
    for (const t of MYSQL_POLICY_TABLES) await table(t.name, t.ddl);
    // The notification outbox (SPEC-BEYOND §12.6): created with its indexes in one statement.
    for (const ddl of notificationsDdl('mysql')) {
      if (ddl.startsWith('CREATE TABLE')) await table(NOTIFICATIONS_TABLE, ddl);
      else if (!indexes.has(/INDEX (?:IF NOT EXISTS )?(\S+)/.exec(ddl)?.[1] ?? '')) await conn.query(ddl);
    }
    for (const ix of [...INDEXES, ...POLICY_INDEXES]) {
      if (indexes.has(ix.name)) continue;
      try {
        await conn.query(`CREATE INDEX ${ix.name} ON ${ix.table} (${ix.columns})`);
        created.push(`index ${ix.name}`);
      } catch (err) {
        // a process without the lock (an older dsari) created it meanwhile (ER_DUP_KEYNAME)
        if ((err as { code?: unknown }).code !== 'ER_DUP_KEYNAME') throw err;
      }
    }
    return created;
  } finally {
    // a connection that broke meanwhile released the lock with its session
    if (!conn.broken) await conn.query('SELECT RELEASE_LOCK(?)', [lock]);
  }
}

/** A MySQL run store (not journaled; see createStore). */
export function mysqlStore(connection: MysqlConnection, options: { reader?: boolean } = {}): ServerStore {
  return new ServerStore(mysqlBackend(connection), options);
}
