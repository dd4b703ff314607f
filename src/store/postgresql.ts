/**
 * PostgreSQL backend (`pg`). The original's tables (uuid run ids, `timestamp` UTC times, json
 * columns). Times travel as 'YYYY-MM-DD HH:MM:SS.ffffff' text read as UTC — the pg driver's
 * default would read a `timestamp` as LOCAL time — so they are exact to the microsecond.
 */
import { existsSync } from 'node:fs';
import type pg from 'pg';
import { pgPackage } from '../lazy-packages.js';
import { StoreError } from '../errors.js';
import { INDEXES } from './sql.js';
import { PAUSES_TABLE, PENDING_TABLE, PG_POLICY_TABLES, POLICY_INDEXES } from './policy-sql.js';
import { NOTIFICATIONS_TABLE, notificationsDdl } from './notifications-table.js';
import { formatUtc, parseUtc, ServerStore, type ServerBackend, type ServerConnection } from './network.js';
import { redactDsn, scrubSecrets } from './redact.js';

export const PG_RUNS_DDL = `CREATE TABLE runs (
  job_name text NOT NULL,
  run_id uuid PRIMARY KEY,
  schedule_time timestamp NOT NULL,
  start_time timestamp NOT NULL,
  stop_time timestamp NOT NULL,
  exit_code smallint NOT NULL,
  trigger_type text NOT NULL,
  trigger_data json NOT NULL,
  run_data json NOT NULL
)`;
export const PG_RUNS_RUNNING_DDL = `CREATE TABLE runs_running (
  job_name text NOT NULL,
  run_id uuid PRIMARY KEY,
  schedule_time timestamp NOT NULL,
  start_time timestamp NOT NULL,
  trigger_type text NOT NULL,
  trigger_data json NOT NULL,
  run_data json NOT NULL
)`;

/** OIDs whose text we keep as is: timestamp, timestamptz, json, jsonb. */
const RAW_TEXT_OIDS = [1114, 1184, 114, 3802];

/** libpq keywords we map onto pg's client configuration. */
const LIBPQ_KEYS: Record<string, keyof pg.ClientConfig | 'sslmode' | 'connect_timeout'> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  dbname: 'database',
  user: 'user',
  password: 'password',
  application_name: 'application_name',
  sslmode: 'sslmode',
  connect_timeout: 'connect_timeout',
};

/**
 * Parses a libpq `key=value` connection string (values may be single-quoted with backslash
 * escapes). @throws StoreError on a syntax error (the message never shows the password)
 */
export function parseKeyValueDsn(dsn: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('((?:[^'\\]|\\.)*)'|((?:[^\s'\\]|\\.)*))/y;
  let pos = 0;
  while (pos < dsn.length) {
    if (/^\s*$/.test(dsn.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(dsn);
    if (!m) throw new StoreError(`PostgreSQL dsn "${redactDsn(dsn)}": cannot parse at character ${pos + 1}`);
    const raw = m[3] ?? m[4] ?? '';
    out[m[1]!] = raw.replace(/\\(.)/g, '$1');
    pos = re.lastIndex;
  }
  return out;
}

/** pg client configuration for a DSN: a postgres(ql):// URI or a libpq key=value string. */
export function pgClientConfig(dsn: string): pg.ClientConfig {
  const base: pg.ClientConfig = { connectionTimeoutMillis: 10_000, keepAlive: true };
  if (/^postgres(ql)?:\/\//i.test(dsn)) return { ...base, connectionString: dsn };
  const kv = parseKeyValueDsn(dsn);
  const config: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(kv)) {
    const key = LIBPQ_KEYS[k];
    if (key === undefined) continue;
    if (key === 'port') config['port'] = Number(v);
    else if (key === 'connect_timeout') config['connectionTimeoutMillis'] = Number(v) * 1000;
    else if (key === 'sslmode') {
      if (v === 'require' || v === 'prefer') config['ssl'] = { rejectUnauthorized: false };
      else if (v === 'verify-ca' || v === 'verify-full') config['ssl'] = true;
      else config['ssl'] = false;
    } else config[key] = v;
  }
  // libpq's default without a host is the local Unix socket; pg's is localhost over TCP
  if (config['host'] === undefined && process.env['PGHOST'] === undefined && existsSync('/var/run/postgresql')) {
    config['host'] = '/var/run/postgresql';
  }
  return config as pg.ClientConfig;
}

function passwordOf(dsn: string): string | undefined {
  if (/^postgres(ql)?:\/\//i.test(dsn)) {
    try {
      return decodeURIComponent(new URL(dsn).password) || new URL(dsn).searchParams.get('password') || undefined;
    } catch {
      return undefined; // an unparsable URI: pg reports it; there is no password to hide then
    }
  }
  try {
    return parseKeyValueDsn(dsn)['password'];
  } catch {
    return undefined; // reported by pgClientConfig with the password masked
  }
}

/** `?` placeholders → `$1, $2 …` (our statements have no other `?`). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function isPgConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (CONNECTION_CODES.has(code)) return true;
  // 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect now
  if (/^08|^57P0[1-3]$/.test(code)) return true;
  const msg = (err as Error).message ?? '';
  return /Connection terminated|not queryable|timeout expired|connect ECONN|Connection ended/i.test(msg);
}

class PgConnection implements ServerConnection {
  broken = false;
  constructor(private readonly client: pg.Client) {
    client.on('error', () => {
      this.broken = true;
    });
    client.on('end', () => {
      this.broken = true;
    });
  }
  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const res = await this.client.query(numberPlaceholders(sql), params as unknown[]);
    return res.rows as Record<string, unknown>[];
  }
  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const res = await this.client.query(numberPlaceholders(sql), params as unknown[]);
    return res.rowCount ?? 0;
  }
  async close(): Promise<void> {
    this.broken = true;
    await this.client.end();
  }
}

/**
 * The `pg` driver, loaded on first connection only: commands that never reach PostgreSQL (SQLite
 * users' dsari-info, the exporter on SQLite) do not pay for loading it.
 */
let pgModule: Promise<typeof pg> | undefined;
function loadPg(): Promise<typeof pg> {
  pgModule ??= Promise.resolve().then(pgPackage);
  return pgModule;
}

export function postgresqlBackend(dsn: string): ServerBackend {
  const config = pgClientConfig(dsn);
  const secret = passwordOf(dsn);
  return {
    kind: 'postgresql',
    target: redactDsn(dsn),
    dialect: {
      encodeTime: formatUtc,
      diffSeconds: (a, b) => `EXTRACT(EPOCH FROM (${a} - ${b}))`,
    },
    async connect() {
      const { Client } = await loadPg();
      const client = new Client(config);
      for (const oid of RAW_TEXT_OIDS) client.setTypeParser(oid, 'text', (v: string) => v);
      const conn = new PgConnection(client);
      try {
        await client.connect();
        await client.query("SET TIME ZONE 'UTC'");
      } catch (err) {
        conn.broken = true;
        void client.end().catch(() => undefined);
        throw err;
      }
      return conn;
    },
    walkJobNames: true,
    createSchema: createPgSchema,
    insertPauseSql: `INSERT INTO ${PAUSES_TABLE} (job_name, paused_at, paused_by, reason) VALUES (?, ?::timestamp, ?, ?)
      ON CONFLICT (job_name) DO NOTHING`,
    insertPendingSql: `INSERT INTO ${PENDING_TABLE} (run_id, job_name, schedule_time, trigger_type, trigger_data, created_at)
      SELECT ?::uuid, ?, ?::timestamp, ?, ?::json, ?::timestamp
      WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?::uuid) AND NOT EXISTS (SELECT 1 FROM runs_running WHERE run_id = ?::uuid)
      ON CONFLICT (run_id) DO NOTHING`,
    insertRunningSql: `INSERT INTO runs_running (job_name, run_id, schedule_time, start_time, trigger_type, trigger_data, run_data)
      SELECT ?, ?::uuid, ?::timestamp, ?::timestamp, ?, ?::json, ?::json
      WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?::uuid)
      ON CONFLICT (run_id) DO NOTHING`,
    insertFinishedSql: (rows) =>
      `INSERT INTO runs (job_name, run_id, schedule_time, start_time, stop_time, exit_code, trigger_type, trigger_data, run_data)
      VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (run_id) DO NOTHING`,
    decodeTime: parseUtc,
    isConnectionError: isPgConnectionError,
    scrub: (message) => scrubSecrets(message, [secret]),
  };
}

/**
 * The key of the session advisory lock held while tables and indexes are created: processes
 * starting together on a new database take turns instead of racing on the catalog (`type "runs"
 * already exists`). Advisory locks belong to one database, so other databases never wait.
 */
export const PG_SCHEMA_LOCK_SQL = "SELECT pg_advisory_lock(hashtext('dsari schema'))";
const PG_SCHEMA_UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('dsari schema'))";

/** Creates what is missing, under the schema lock; see ServerBackend.createSchema. */
async function createPgSchema(conn: ServerConnection): Promise<string[]> {
  await conn.query(PG_SCHEMA_LOCK_SQL);
  try {
    // what exists in the schema CREATE uses (the first of search_path)
    const present = new Set(
      (
        await conn.query(
          "SELECT relname FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND relkind IN ('r', 'p', 'i', 'I')",
        )
      ).map((r) => String(r['relname'])),
    );
    const created: string[] = [];
    const create = async (kind: 'table' | 'index', name: string, sql: string): Promise<void> => {
      if (present.has(name)) return;
      try {
        await conn.query(sql);
        created.push(`${kind} ${name}`);
      } catch (err) {
        // a process without the lock (an older dsari) created it at the same moment:
        // 42P07 duplicate table, 42710 duplicate object (its type), 23505 on the catalog
        const code = String((err as { code?: unknown }).code ?? '');
        if (code !== '42P07' && code !== '42710' && code !== '23505') throw err;
      }
    };
    await create('table', 'runs', PG_RUNS_DDL.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
    await create('table', 'runs_running', PG_RUNS_RUNNING_DDL.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
    for (const t of PG_POLICY_TABLES) await create('table', t.name, t.ddl);
    // The notification outbox (SPEC-BEYOND §12.6): its table here, its indexes last.
    const [outbox, ...outboxIndexes] = notificationsDdl('postgresql');
    await create('table', NOTIFICATIONS_TABLE, outbox as string);
    for (const ix of [...INDEXES, ...POLICY_INDEXES]) {
      await create('index', ix.name, `CREATE INDEX IF NOT EXISTS ${ix.name} ON ${ix.table} (${ix.columns})`);
    }
    for (const ddl of outboxIndexes) {
      const name = /INDEX IF NOT EXISTS (\S+)/.exec(ddl)?.[1] ?? ddl;
      await create('index', name, ddl);
    }
    return created;
  } finally {
    // a connection that broke meanwhile released the lock with its session
    if (!conn.broken) await conn.query(PG_SCHEMA_UNLOCK_SQL);
  }
}

/** A PostgreSQL run store (not journaled; see createStore). */
export function postgresqlStore(dsn: string, options: { reader?: boolean } = {}): ServerStore {
  return new ServerStore(postgresqlBackend(dsn), options);
}
