/**
 * A notification is durable with the record of its run (SPEC-BEYOND §12.6): it goes through the
 * recorder's journal when the database cannot be written at shutdown, and through the outage
 * journal of a PostgreSQL store, and is in the outbox once the record is.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { RunRecorder } from '../../src/daemon/recorder.js';
import { StoreError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import { runNotifications } from '../../src/notify/outbox.js';
import { JournaledStore } from '../../src/store/journal.js';
import { mysqlStore } from '../../src/store/mysql.js';
import { postgresqlStore } from '../../src/store/postgresql.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { FinishedRun, OutboxEntry, StoredPendingRun } from '../../src/store/types.js';
import { makeTempDir } from '../helpers/index.js';
import { mysqlAdmin, mysqlUnreachable, pgAdmin, pgDsn, pgUnreachable, skipBecause, testDbName } from '../store/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function finishedRun(): { run: FinishedRun; outbox: OutboxEntry[] } {
  const runId = randomUUID();
  const run: FinishedRun = { jobName: 'j', runId, scheduleTime: 1e9, startTime: 1e9, stopTime: 1e9 + 1, exitCode: 1, triggerType: 'schedule', triggerData: {}, runData: {} };
  return { run, outbox: [{ jobName: 'j', runId, event: 'failure', notifier: '1:abc', label: 'webhook 1 (json)', createdAt: 1e9 + 1 }] };
}

/** A SQLite store whose writes fail while `down` is set. */
class FlakyStore extends SqliteStore {
  down = true;
  override async finishRun(run: FinishedRun, addPending?: readonly StoredPendingRun[], notifications?: readonly OutboxEntry[]): Promise<void> {
    if (this.down) throw new StoreError('database is locked (test)');
    await super.finishRun(run, addPending, notifications);
  }
}

describe('notifications go where the record goes', () => {
  it("through the recorder's journal: kept at shutdown, written with the run at the next start", async () => {
    const tmp = makeTempDir('dsari-notify-durable-');
    cleanups.push(tmp.cleanup);
    const store = new FlakyStore(join(tmp.path, 'dsari.sqlite3'));
    await store.open();
    cleanups.push(() => store.close());
    const clock = new SystemClock();
    const log = new Logger({ sink: new MemorySink() });
    const { run, outbox } = finishedRun();
    const first = new RunRecorder(store, clock, log, tmp.path);
    expect(await first.finished(run, undefined, outbox)).toBe(false);
    await first.flush(clock.monotonicMs());
    expect(readFileSync(first.journal, 'utf8')).toContain('"notifications":[{"jobName":"j"');
    store.down = false;
    const second = new RunRecorder(store, clock, log, tmp.path);
    expect(await second.replayJournal()).toBe(1);
    expect((await store.getRun(run.runId))?.runData).toEqual({});
    expect(await runNotifications(store.sqlRunner(), run.runId)).toMatchObject([{ event: 'failure', state: 'pending', attempts: 0 }]);
  });

  it('in a batch of record writes (SQLite, PostgreSQL, MariaDB): with their runs, once', async () => {
    const tmp = makeTempDir('dsari-notify-durable-');
    cleanups.push(tmp.cleanup);
    const stores: { name: string; store: SqliteStore | ReturnType<typeof postgresqlStore> | ReturnType<typeof mysqlStore> }[] = [{ name: 'sqlite3', store: new SqliteStore(join(tmp.path, 'dsari.sqlite3')) }];
    if (!skipBecause(await pgUnreachable())) {
      const db = testDbName();
      await pgAdmin((c) => c.query(`CREATE DATABASE ${db}`));
      cleanups.push(() => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)).then(() => undefined));
      stores.push({ name: 'postgresql', store: postgresqlStore(pgDsn(db)) });
    }
    if (!skipBecause(await mysqlUnreachable())) {
      const db = testDbName();
      await mysqlAdmin((c) => c.query(`CREATE DATABASE ${db}`));
      cleanups.push(() => mysqlAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db}`)).then(() => undefined));
      stores.push({ name: 'mysql', store: mysqlStore({ host: '127.0.0.1', port: 3306, user: 'root', passwd: '', db }) });
    }
    for (const { name, store } of stores) {
      await store.open();
      cleanups.push(() => store.close());
      const a = finishedRun();
      const b = finishedRun();
      const writes = [
        { kind: 'running' as const, run: a.run },
        { kind: 'finished' as const, run: a.run, notifications: a.outbox },
        { kind: 'finished' as const, run: b.run, notifications: b.outbox },
      ];
      await store.recordBatch(writes);
      await store.recordBatch(writes.slice(1));
      for (const x of [a, b]) {
        expect({ name, rows: await runNotifications(store.sqlRunner(), x.run.runId) }).toMatchObject({ name, rows: [{ runId: x.run.runId, event: 'failure' }] });
      }
    }
  });

  it('through the outage journal of a PostgreSQL store, replayed into the database', async (ctx) => {
    if (skipBecause(await pgUnreachable())) return ctx.skip();
    const tmp = makeTempDir('dsari-notify-durable-');
    cleanups.push(tmp.cleanup);
    const file = join(tmp.path, 'store-journal.jsonl');
    const log = new Logger({ sink: new MemorySink() });
    // a server that is not there: the write is journaled
    const down = new JournaledStore(postgresqlStore('postgresql://postgres@127.0.0.1:1/none?connect_timeout=2'), { log, file, minRetryMs: 60_000 });
    await down.open();
    const { run, outbox } = finishedRun();
    await down.finishRun(run, undefined, outbox);
    expect(down.pendingWrites).toBe(1);
    await down.close();
    // the database is there at the next start: the journal is replayed, notification included
    const db = testDbName();
    await pgAdmin((c) => c.query(`CREATE DATABASE ${db}`));
    cleanups.push(() => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)).then(() => undefined));
    const up = new JournaledStore(postgresqlStore(pgDsn(db)), { log, file });
    await up.open();
    cleanups.push(() => up.close());
    expect(up.pendingWrites).toBe(0);
    expect((await up.getRun(run.runId))?.exitCode).toBe(1);
    expect(await runNotifications(up.sqlRunner(), run.runId)).toMatchObject([{ event: 'failure', state: 'pending', label: 'webhook 1 (json)' }]);
    // recording the same run again (a replay after a crash) does not notify twice
    await up.finishRun(run, undefined, outbox);
    expect(await runNotifications(up.sqlRunner(), run.runId)).toHaveLength(1);
  });
});
