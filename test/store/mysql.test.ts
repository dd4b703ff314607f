import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { MYSQL_RUNS_DDL, MYSQL_RUNS_RUNNING_DDL, mysqlConnectionFromUri, mysqlStore } from '../../src/store/mysql.js';
import { migrateTests } from './migrate-cases.js';
import { outageTests } from './outage.js';
import { mysqlAdmin, mysqlUnreachable, skipBecause, startMariadb, stopMariadb, testDbName } from './servers.js';
import { finished, storeSuite } from './store-suite.js';

const unreachable = await mysqlUnreachable();
const db = testDbName();
const connection = { host: '127.0.0.1', port: 3306, user: 'root', passwd: '', db };

describe('mysql: connection settings', () => {
  it('reads mysql:// URIs into the original connection mapping', () => {
    expect(mysqlConnectionFromUri('mysql://u:p%40ss@db.example:3307/dsari')).toEqual({ host: 'db.example', user: 'u', passwd: 'p@ss', port: 3307, db: 'dsari' });
  });

  it('never shows the password in errors', async () => {
    const store = mysqlStore({ host: '127.0.0.1', port: 1, user: 'u', passwd: 'sekrit-pw', db: 'x' });
    const err = await store.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/mysql database u@127\.0\.0\.1:1\/x is unavailable/);
    expect((err as Error).message).not.toContain('sekrit-pw');
    await store.close();
  });
});

if (skipBecause(unreachable)) {
  describe.skip('mysql store suite (server unreachable)', () => {
    it('needs MariaDB', () => undefined);
  });
} else {
  beforeAll(async () => {
    await mysqlAdmin((c) => c.query(`CREATE DATABASE ${db}`));
  });
  afterAll(async () => {
    await startMariadb();
    await mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db}`));
  });

  storeSuite({
    kind: 'mysql',
    // the database lives as long as the file: created/dropped in beforeAll/afterAll above
    setup: async () => {},
    teardown: async () => {},
    newStore: () => mysqlStore(connection),
    clear: async () => {
      await mysqlAdmin(async (c) => {
        const [t] = await c.query("SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'runs'");
        if ((t as unknown[]).length > 0) {
          await c.query('DELETE FROM runs');
          await c.query('DELETE FROM runs_running');
        }
      }, db);
    },
    breakDeletes: async (table = 'runs_running') => {
      await mysqlAdmin(
        (c) => c.query(`CREATE TRIGGER boom BEFORE DELETE ON ${table} FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom'`),
        db,
      );
    },
    dropTables: async (tables) => {
      await mysqlAdmin(async (c) => {
        for (const t of tables) await c.query(`DROP TABLE IF EXISTS ${t}`);
      }, db);
    },
    tableNames: () =>
      mysqlAdmin(async (c) => {
        const [rows] = await c.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
        return (rows as { name: string }[]).map((r) => r.name);
      }, db),
    repairDeletes: async () => {
      await mysqlAdmin((c) => c.query('DROP TRIGGER IF EXISTS boom'), db);
    },
  });

  describe('mysql: compatibility with the original', () => {
    it("reads and extends tables created with the original's DDL, odd rows included", async () => {
      const other = testDbName();
      await mysqlAdmin((c) => c.query(`CREATE DATABASE ${other}`));
      try {
        await mysqlAdmin(async (c) => {
          await c.query(MYSQL_RUNS_DDL);
          await c.query(MYSQL_RUNS_RUNNING_DDL);
          await c.query(`INSERT INTO runs VALUES ('old', 'c0000000-0000-4000-8000-000000000001', '2017-07-14 02:40:00.5', '2017-07-14 02:40:01.250001',
            '2017-07-14 02:40:02.75', 0, 'schedule', '{}', '{"pid": 12}'),
            ('old', 'c0000000-0000-4000-8000-000000000002', '2017-07-14 03:00:00', '2017-07-14 03:00:00', '2017-07-14 03:00:01', 1, 'file', 'garbage', '')`);
          await c.query(`INSERT INTO runs_running VALUES ('old', 'c0000000-0000-4000-8000-000000000003', '2017-07-14 04:00:00', '2017-07-14 04:00:00', 'schedule', '{}', '{}')`);
        }, other);
        const store = mysqlStore({ ...connection, db: other });
        await store.open();
        expect(await store.getRun('c0000000-0000-4000-8000-000000000001')).toMatchObject({
          scheduleTime: 1500000000.5, startTime: 1500000001.250001, stopTime: 1500000002.75, runData: { pid: 12 },
        });
        expect(await store.getRun('c0000000-0000-4000-8000-000000000002')).toMatchObject({ triggerData: { _raw: 'garbage' }, runData: {} });
        expect((await store.listRunning()).map((r) => r.startTime)).toEqual([1500004800]);
        const f = finished({ jobName: 'old', scheduleTime: 1500000100.000001, startTime: 1500000100.5, stopTime: 1500000160.25 });
        await store.finishRun(f);
        await store.close();
        const row = await mysqlAdmin(async (c) => {
          await c.query("SET time_zone = 'SYSTEM'");
          const [rows] = await c.query('SELECT CAST(stop_time AS CHAR) AS s, run_data AS d FROM runs WHERE run_id = ?', [f.runId]);
          return (rows as { s: string; d: string }[])[0];
        }, other);
        expect(row).toEqual({ s: '2017-07-14 02:42:40.250000', d: '{}' });
      } finally {
        await mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${other}`));
      }
    });
  });

  migrateTests(
    {
      kind: 'mysql',
      spec: `mysql://root@127.0.0.1:3306/${db}`,
      count: () =>
        mysqlAdmin(async (c) => {
          const [a] = await c.query('SELECT count(*) AS n FROM runs');
          const [b] = await c.query('SELECT count(*) AS n FROM runs_running');
          return [Number((a as { n: number }[])[0]!.n), Number((b as { n: number }[])[0]!.n)];
        }, db),
      clear: () =>
        mysqlAdmin(async (c) => {
          await c.query('DROP TABLE IF EXISTS runs');
          await c.query('DROP TABLE IF EXISTS runs_running');
        }, db),
    },
    2_000,
    { andBack: true },
  );

  outageTests({
    kind: 'mysql',
    newStore: () => mysqlStore(connection),
    stop: stopMariadb,
    start: startMariadb,
    countRows: (runId) =>
      mysqlAdmin(async (c) => {
        const [a] = await c.query('SELECT count(*) AS n FROM runs WHERE run_id = ?', [runId]);
        const [b] = await c.query('SELECT count(*) AS n FROM runs_running WHERE run_id = ?', [runId]);
        return [Number((a as { n: number }[])[0]!.n), Number((b as { n: number }[])[0]!.n)];
      }, db),
  });
}
