/**
 * The three backends as policies-backends.test.ts needs them: a fresh database of each (SQLite
 * file, PostgreSQL database, MariaDB database), its configuration, its tables and indexes read
 * straight from the server, the original's tables alone (an old database), and a store-suite
 * fixture. No server is ever stopped here.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseConfig } from '../../src/config/types.js';
import { MYSQL_RUNS_DDL, MYSQL_RUNS_RUNNING_DDL, mysqlStore } from '../../src/store/mysql.js';
import { PG_RUNS_DDL, PG_RUNS_RUNNING_DDL, postgresqlStore } from '../../src/store/postgresql.js';
import { SQLITE_RUNS_DDL, SQLITE_RUNS_RUNNING_DDL, SqliteStore } from '../../src/store/sqlite.js';
import type { RunStore } from '../../src/store/types.js';
import { makeTempDir } from '../helpers/index.js';
import { MYSQL_ADMIN, mysqlAdmin, mysqlUnreachable, pgAdmin, pgDsn, pgUnreachable, testDbName } from './servers.js';
import type { StoreFixture } from './store-suite.js';

/** One fresh database of a backend. */
export interface TestDatabase {
  readonly config: DatabaseConfig;
  /** The `database:` line of dsari.yaml. */
  readonly yaml: string;
  /** A new store on it (not opened; no journal). */
  store(): RunStore & { upgradeSchema(): Promise<string[]> };
  /** Creates the original's two tables (no index, nothing of ours) with one finished run. */
  createOld(): Promise<void>;
  tables(): Promise<string[]>;
  /** Index names (primary keys left out). */
  indexes(): Promise<string[]>;
  /** Column names of a table, in order. */
  columns(table: string): Promise<string[]>;
  /** Runs one statement (a trigger, a DROP …). */
  exec(sql: string): Promise<void>;
  /** Takes the backend's schema lock from another connection; resolves to its release. */
  holdSchemaLock(): Promise<() => Promise<void>>;
  drop(): Promise<void>;
}

export interface Backend {
  readonly kind: 'sqlite3' | 'postgresql' | 'mysql';
  /** null if usable, else why not. */
  unreachable(): Promise<string | null>;
  fresh(): Promise<TestDatabase>;
}

const OLD_ROW = ['old', 'a0000000-0000-4000-8000-000000000001'];

export const sqliteBackend: Backend = {
  kind: 'sqlite3',
  unreachable: async () => null,
  fresh: async () => {
    const tmp = makeTempDir('dsari-policies-sqlite-');
    const file = join(tmp.path, 'runs.sqlite3');
    const raw = <T>(fn: (db: Database.Database) => T): T => {
      const db = new Database(file);
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    return {
      config: { type: 'sqlite3', file },
      yaml: `database: {type: sqlite3, file: ${JSON.stringify(file)}}\n`,
      store: () => new SqliteStore(file),
      createOld: async () =>
        raw((db) => {
          db.exec(SQLITE_RUNS_DDL);
          db.exec(SQLITE_RUNS_RUNNING_DDL);
          db.prepare("INSERT INTO runs VALUES (?, ?, 100, 101, 102, 0, 'schedule', '{}', '{}')").run(...OLD_ROW);
        }),
      tables: async () =>
        existsSync(file) ? raw((db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]) : [],
      indexes: async () =>
        raw((db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]),
      columns: async (table) => raw((db) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name)),
      exec: async (sql) => raw((db) => void db.exec(sql)),
      holdSchemaLock: async () => {
        const db = new Database(file);
        db.exec('BEGIN IMMEDIATE');
        return async () => {
          db.exec('COMMIT');
          db.close();
        };
      },
      drop: async () => tmp.cleanup(),
    };
  },
};

export const pgBackend: Backend = {
  kind: 'postgresql',
  unreachable: pgUnreachable,
  fresh: async () => {
    const name = testDbName();
    const dsn = pgDsn(name);
    await pgAdmin((c) => c.query(`CREATE DATABASE ${name}`));
    const q = async (sql: string): Promise<Record<string, unknown>[]> => pgAdmin(async (c) => (await c.query(sql)).rows as Record<string, unknown>[], dsn);
    return {
      config: { type: 'postgresql', dsn },
      yaml: `database: {type: postgresql, dsn: "${dsn}"}\n`,
      store: () => postgresqlStore(dsn),
      createOld: async () => {
        await q(`${PG_RUNS_DDL}; ${PG_RUNS_RUNNING_DDL}`);
        await q(`INSERT INTO runs VALUES ('${OLD_ROW[0]}', '${OLD_ROW[1]}', '2017-07-14 02:40:00', '2017-07-14 02:40:01', '2017-07-14 02:40:02', 0, 'schedule', '{}', '{}')`);
      },
      tables: async () => (await q("SELECT tablename AS n FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => String(r['n'])).sort(),
      indexes: async () =>
        (await q("SELECT indexname AS n FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' ORDER BY 1")).map((r) => String(r['n'])).sort(),
      columns: async (table) =>
        (await q(`SELECT column_name AS n FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`)).map((r) => String(r['n'])),
      exec: async (sql) => void (await q(sql)),
      holdSchemaLock: async () => {
        const c = new pg.Client({ connectionString: dsn });
        await c.connect();
        await c.query("SELECT pg_advisory_lock(hashtext('dsari schema'))");
        return async () => {
          await c.query("SELECT pg_advisory_unlock(hashtext('dsari schema'))");
          await c.end();
        };
      },
      drop: async () => void (await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
    };
  },
};

export const mysqlBackend: Backend = {
  kind: 'mysql',
  unreachable: mysqlUnreachable,
  fresh: async () => {
    const name = testDbName();
    await mysqlAdmin((c) => c.query(`CREATE DATABASE ${name}`));
    const q = async (sql: string): Promise<Record<string, unknown>[]> =>
      mysqlAdmin(async (c) => {
        const [rows] = await c.query(sql);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      }, name);
    const connection = { host: '127.0.0.1', port: 3306, user: 'root', passwd: '', db: name };
    return {
      config: { type: 'mysql', connection },
      yaml: `database: {type: mysql, connection: {host: 127.0.0.1, port: 3306, user: root, passwd: "", db: ${name}}}\n`,
      store: () => mysqlStore(connection),
      createOld: async () => {
        await q(MYSQL_RUNS_DDL);
        await q(MYSQL_RUNS_RUNNING_DDL);
        await q(`INSERT INTO runs VALUES ('${OLD_ROW[0]}', '${OLD_ROW[1]}', '2017-07-14 02:40:00', '2017-07-14 02:40:01', '2017-07-14 02:40:02', 0, 'schedule', '{}', '{}')`);
      },
      tables: async () =>
        (await q('SELECT table_name AS n FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1')).map((r) => String(r['n'])).sort(),
      indexes: async () =>
        (await q("SELECT DISTINCT index_name AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY' ORDER BY 1")).map((r) =>
          String(r['n']),
        ).sort(),
      columns: async (table) =>
        (await q(`SELECT column_name AS n FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '${table}' ORDER BY ordinal_position`)).map((r) =>
          String(r['n']),
        ),
      exec: async (sql) => void (await q(sql)),
      holdSchemaLock: async () => {
        const c = await mysql.createConnection({ ...MYSQL_ADMIN, database: name });
        const [rows] = await c.query(`SELECT GET_LOCK('dsari_schema.${name}', 10) AS got`);
        if (Number((rows as { got: unknown }[])[0]?.got) !== 1) throw new Error('GET_LOCK failed');
        return async () => {
          await c.query(`SELECT RELEASE_LOCK('dsari_schema.${name}')`);
          await c.end();
        };
      },
      drop: async () => void (await mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`))),
    };
  },
};

export const BACKENDS: readonly Backend[] = [sqliteBackend, pgBackend, mysqlBackend];

/** A store-suite fixture on one fresh database of the backend (created in setup). */
export function fixtureOf(backend: Backend): StoreFixture {
  let db: TestDatabase | null = null;
  const it = (): TestDatabase => {
    if (db === null) throw new Error('fixture not set up');
    return db;
  };
  const trigger = (table: string): string => {
    if (backend.kind === 'sqlite3') return `CREATE TRIGGER boom BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, 'boom'); END`;
    if (backend.kind === 'mysql') return `CREATE TRIGGER boom BEFORE DELETE ON ${table} FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom'`;
    return `CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;
            CREATE TRIGGER boom BEFORE DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION boom();`;
  };
  return {
    kind: backend.kind,
    setup: async () => {
      db = await backend.fresh();
      const s = db.store();
      await s.open();
      await s.close();
    },
    teardown: async () => {
      await db?.drop();
    },
    newStore: () => it().store(),
    clear: async () => {
      if (backend.kind === 'mysql') {
        await it().exec('DELETE FROM runs');
        await it().exec('DELETE FROM runs_running');
      } else await it().exec('DELETE FROM runs; DELETE FROM runs_running;');
    },
    breakDeletes: async (table = 'runs_running') => it().exec(trigger(table)),
    repairDeletes: async (table = 'runs_running') =>
      it().exec(
        backend.kind === 'postgresql' ? `DROP TRIGGER IF EXISTS boom ON ${table}; DROP FUNCTION IF EXISTS boom();` : 'DROP TRIGGER IF EXISTS boom',
      ),
    dropTables: async (tables) => {
      for (const t of tables) await it().exec(`DROP TABLE IF EXISTS ${t}`);
    },
    tableNames: () => it().tables(),
  };
}
