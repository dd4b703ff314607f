/**
 * Readers never write a PostgreSQL or MySQL database either (issue 15): on a database with only
 * the original's tables, `dsari-info` reads the runs and creates none of dsari's tables or
 * indexes; on an empty database it lists nothing (as before) and creates nothing; the in-place
 * `dsari migrate` creates them. Each test uses a fresh database on the local servers (never
 * stopped here).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MYSQL_RUNS_DDL, MYSQL_RUNS_RUNNING_DDL } from '../../src/store/mysql.js';
import { PG_RUNS_DDL, PG_RUNS_RUNNING_DDL } from '../../src/store/postgresql.js';
import { makeTempDir, runCli } from '../helpers/index.js';
import { mysqlAdmin, mysqlUnreachable, pgAdmin, pgDsn, pgUnreachable, skipBecause, testDbName } from '../store/servers.js';

const RUN_ID = '0f0f0f0f-0000-4000-8000-000000000001';

interface Backend {
  name: string;
  unreachable: () => Promise<string | null>;
  /** Creates the database (empty, or with the original's two tables and one finished run). */
  create(db: string, withOriginalTables: boolean): Promise<void>;
  drop(db: string): Promise<void>;
  tables(db: string): Promise<string[]>;
  yaml(db: string): string;
}

const backends: Backend[] = [
  {
    name: 'PostgreSQL',
    unreachable: pgUnreachable,
    async create(db, withOriginal) {
      await pgAdmin((c) => c.query(`CREATE DATABASE ${db}`));
      if (!withOriginal) return;
      await pgAdmin(async (c) => {
        await c.query(PG_RUNS_DDL);
        await c.query(PG_RUNS_RUNNING_DDL);
        await c.query(
          `INSERT INTO runs VALUES ('backup', '${RUN_ID}', '2024-01-01 00:00:00', '2024-01-01 00:00:01', '2024-01-01 00:00:09', 0, 'schedule', '{}', '{}')`,
        );
      }, pgDsn(db));
    },
    drop: (db) => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)).then(() => undefined),
    tables: (db) =>
      pgAdmin(async (c) => (await c.query("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY relname")).rows.map((r: { relname: string }) => r.relname), pgDsn(db)),
    yaml: (db) => `database: {type: postgresql, dsn: "${pgDsn(db)}"}\n`,
  },
  {
    name: 'MySQL',
    unreachable: mysqlUnreachable,
    async create(db, withOriginal) {
      await mysqlAdmin((c) => c.query(`CREATE DATABASE ${db}`));
      if (!withOriginal) return;
      await mysqlAdmin(async (c) => {
        await c.query(MYSQL_RUNS_DDL);
        await c.query(MYSQL_RUNS_RUNNING_DDL);
        await c.query(
          `INSERT INTO runs VALUES ('backup', '${RUN_ID}', '2024-01-01 00:00:00', '2024-01-01 00:00:01', '2024-01-01 00:00:09', 0, 'schedule', '{}', '{}')`,
        );
      }, db);
    },
    drop: (db) => mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db}`)).then(() => undefined),
    tables: (db) =>
      mysqlAdmin(async (c) => {
        const [rows] = await c.query(
          'SELECT name FROM (SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? UNION SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = ?) x ORDER BY name',
          [db, db],
        );
        return (rows as { name: string }[]).map((r) => r.name);
      }),
    yaml: (db) => `database: {type: mysql, connection: {host: 127.0.0.1, port: 3306, user: root, passwd: "", db: ${db}}}\n`,
  },
];

for (const b of backends) {
  describe(`readers on ${b.name}`, () => {
    let skip = false;
    const dbs: string[] = [];
    const tmp = makeTempDir('dsari-readers-net-');
    beforeAll(async () => {
      skip = skipBecause(await b.unreachable());
    });
    afterAll(async () => {
      for (const db of dbs) await b.drop(db);
      tmp.cleanup();
    });
    const site = async (withOriginal: boolean): Promise<{ db: string; args: (...a: string[]) => string[] }> => {
      const db = testDbName();
      dbs.push(db);
      await b.create(db, withOriginal);
      const etc = join(tmp.path, db);
      mkdirSync(etc, { recursive: true });
      writeFileSync(join(etc, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(tmp.path, `${db}-data`))}\n${b.yaml(db)}jobs:\n  backup:\n    command: ["true"]\n`);
      return { db, args: (...a) => ['-c', etc, ...a] };
    };

    it("the original's tables: runs are read, nothing is created; dsari migrate creates what is missing", async (ctx) => {
      if (skip) ctx.skip();
      const s = await site(true);
      const before = await b.tables(s.db);
      const list = await runCli('dsari-info', s.args('run', 'list', '--format', 'json'));
      expect(list.stderr).toBe('');
      expect(list.code).toBe(0);
      expect(Object.keys(JSON.parse(list.stdout) as object)).toEqual([RUN_ID]);
      const jobs = await runCli('dsari-info', s.args('job', 'list', '--format', 'json'));
      expect(jobs.code).toBe(0);
      expect(await b.tables(s.db)).toEqual(before);
      const up = await runCli('dsari', ['migrate', ...s.args()]);
      expect(up.code).toBe(0);
      const after = await b.tables(s.db);
      expect(after).toContain('dsari_pauses');
      expect(after).toContain('dsari_runs_job_start');
    });

    it('an empty database: nothing listed, nothing created', async (ctx) => {
      if (skip) ctx.skip();
      const s = await site(false);
      const list = await runCli('dsari-info', s.args('run', 'list', '--format', 'json'));
      expect(list.stderr).toBe('');
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual({});
      expect(await b.tables(s.db)).toEqual([]);
    });
  });
}

