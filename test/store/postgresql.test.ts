import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { PG_RUNS_DDL, PG_RUNS_RUNNING_DDL, parseKeyValueDsn, pgClientConfig, postgresqlStore } from '../../src/store/postgresql.js';
import { migrateTests } from './migrate-cases.js';
import { outageTests } from './outage.js';
import { pgAdmin, pgDsn, pgUnreachable, skipBecause, startPostgres, stopPostgres, testDbName } from './servers.js';
import { finished, storeSuite } from './store-suite.js';

const unreachable = await pgUnreachable();
const db = testDbName();
const dsn = pgDsn(db);

describe('postgresql: connection strings', () => {
  it('parses libpq key=value strings, quoted values included', () => {
    expect(parseKeyValueDsn("host=127.0.0.1 port=5432 dbname=dsari user=u password='a b\\'c'")).toEqual({
      host: '127.0.0.1', port: '5432', dbname: 'dsari', user: 'u', password: "a b'c",
    });
    expect(pgClientConfig('host=h port=6543 dbname=d user=u connect_timeout=3')).toMatchObject({
      host: 'h', port: 6543, database: 'd', user: 'u', connectionTimeoutMillis: 3000,
    });
    expect(pgClientConfig('postgresql://u@h/d')).toMatchObject({ connectionString: 'postgresql://u@h/d' });
    expect(() => parseKeyValueDsn("host=x password='unterminated")).toThrow(StoreError);
    expect(() => parseKeyValueDsn("host=x password='unterminated")).not.toThrow(/unterminated/);
  });

  it('never shows the password in errors', async () => {
    for (const bad of ['postgresql://u:sekrit-pw@127.0.0.1:1/x', 'host=127.0.0.1 port=1 user=u password=sekrit-pw dbname=x']) {
      const store = postgresqlStore(bad);
      const err = await store.open().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(/unavailable/);
      expect((err as Error).message).toContain('REDACTED');
      expect((err as Error).message).not.toContain('sekrit-pw');
      await store.close();
    }
  });
});

if (skipBecause(unreachable)) {
  describe.skip('postgresql store suite (server unreachable)', () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  beforeAll(async () => {
    await pgAdmin((c) => c.query(`CREATE DATABASE ${db}`));
  });
  afterAll(async () => {
    await startPostgres();
    await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
  });

  storeSuite({
    kind: 'postgresql',
    // the database lives as long as the file: created/dropped in beforeAll/afterAll above
    setup: async () => {},
    teardown: async () => {},
    newStore: () => postgresqlStore(dsn),
    clear: async () => {
      await pgAdmin(async (c) => {
        const t = await c.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'runs'");
        if (t.rowCount) await c.query('DELETE FROM runs; DELETE FROM runs_running');
      }, dsn);
    },
    breakDeletes: async (table = 'runs_running') => {
      await pgAdmin(
        (c) =>
          c.query(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;
                   CREATE TRIGGER boom BEFORE DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION boom();`),
        dsn,
      );
    },
    repairDeletes: async (table = 'runs_running') => {
      await pgAdmin((c) => c.query(`DROP TRIGGER IF EXISTS boom ON ${table}; DROP FUNCTION IF EXISTS boom();`), dsn);
    },
    dropTables: async (tables) => {
      await pgAdmin((c) => c.query(tables.map((t) => `DROP TABLE IF EXISTS ${t};`).join(' ')), dsn);
    },
    tableNames: () =>
      pgAdmin(async (c) => (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => (r as { tablename: string }).tablename), dsn),
  });

  describe('postgresql: compatibility with the original', () => {
    it("reads and extends tables created with the original's DDL, as the original wrote them (UTC, microseconds)", async () => {
      const other = testDbName();
      await pgAdmin((c) => c.query(`CREATE DATABASE ${other}`));
      try {
        await pgAdmin(async (c) => {
          await c.query(PG_RUNS_DDL);
          await c.query(PG_RUNS_RUNNING_DDL);
          // psycopg2 sends naive UTC datetimes and json.dumps text
          await c.query(`INSERT INTO runs VALUES ('old', 'b0000000-0000-4000-8000-000000000001', '2017-07-14 02:40:00.5', '2017-07-14 02:40:01.250001',
            '2017-07-14 02:40:02.75', 0, 'schedule', '{}', '{"pid": 12}'),
            ('old', 'b0000000-0000-4000-8000-000000000002', '2017-07-14 03:00:00', '2017-07-14 03:00:00', '2017-07-14 03:00:01', 1, 'file', '[1]', 'null')`);
          await c.query(`INSERT INTO runs_running VALUES ('old', 'b0000000-0000-4000-8000-000000000003', '2017-07-14 04:00:00', '2017-07-14 04:00:00', 'schedule', '{}', '{}')`);
        }, pgDsn(other));
        const store = postgresqlStore(pgDsn(other));
        await store.open();
        const one = await store.getRun('b0000000-0000-4000-8000-000000000001');
        expect(one).toMatchObject({ scheduleTime: 1500000000.5, startTime: 1500000001.250001, stopTime: 1500000002.75, runData: { pid: 12 } });
        expect(await store.getRun('b0000000-0000-4000-8000-000000000002')).toMatchObject({ triggerData: { _raw: '[1]' }, runData: { _raw: 'null' } });
        expect((await store.listRunning()).map((r) => r.startTime)).toEqual([1500004800]);
        const f = finished({ jobName: 'old', scheduleTime: 1500000100.000001, startTime: 1500000100.5, stopTime: 1500000160.25 });
        await store.finishRun(f);
        await store.close();
        const row = await pgAdmin(
          async (c) => (await c.query("SELECT stop_time::text AS s, run_data::text AS d FROM runs WHERE run_id = $1", [f.runId])).rows[0] as { s: string; d: string },
          pgDsn(other),
        );
        expect(row).toEqual({ s: '2017-07-14 02:42:40.25', d: '{}' });
        const indexes = await pgAdmin(async (c) => (await c.query("SELECT indexname FROM pg_indexes WHERE tablename = 'runs' ORDER BY 1")).rows.map((r) => (r as { indexname: string }).indexname), pgDsn(other));
        expect(indexes).toEqual(expect.arrayContaining(['dsari_runs_job_stop', 'dsari_runs_job_exit_stop', 'runs_pkey']));
      } finally {
        await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`));
      }
    });
  });

  migrateTests(
    {
      kind: 'postgresql',
      spec: `host=127.0.0.1 port=5432 user=postgres dbname=${db}`,
      count: () =>
        pgAdmin(async (c) => {
          const a = await c.query('SELECT count(*)::int AS n FROM runs');
          const b = await c.query('SELECT count(*)::int AS n FROM runs_running');
          return [(a.rows[0] as { n: number }).n, (b.rows[0] as { n: number }).n];
        }, dsn),
      clear: () => pgAdmin((c) => c.query('DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS runs_running'), dsn).then(() => undefined),
    },
    100_000,
    { andBack: false },
  );

  outageTests({
    kind: 'postgresql',
    newStore: () => postgresqlStore(dsn),
    stop: stopPostgres,
    start: startPostgres,
    countRows: (runId) =>
      pgAdmin(async (c) => {
        const a = await c.query('SELECT count(*)::int AS n FROM runs WHERE run_id = $1', [runId]);
        const b = await c.query('SELECT count(*)::int AS n FROM runs_running WHERE run_id = $1', [runId]);
        return [(a.rows[0] as { n: number }).n, (b.rows[0] as { n: number }).n];
      }, dsn),
  });
}
