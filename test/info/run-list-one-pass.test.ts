/**
 * `dsari-info run list` lists in one pass over the database's rows where it can (issue 15,
 * src/cli/info/run-scan.ts). Its text must be byte for byte what the general way (read all runs,
 * sort, print) gives, for any rows a database can hold: NULL, text or negative times, equal start
 * times, repeated run ids, run ids that are array indices or lie beyond the Basic Multilingual
 * Plane, running runs sharing an id with a finished one. Checked here on real SQLite files with
 * generated rows, for json, tabular and pretty, with and without filters.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runListing, type RunFilter } from '../../src/cli/info/run.js';
import { visitInListingOrder } from '../../src/cli/info/run-scan.js';
import type { ListFormat } from '../../src/cli/info/format.js';
import { Palette } from '../../src/cli/output.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { makeTempDir } from '../helpers/index.js';

const tmp = makeTempDir('dsari-one-pass-');
afterAll(() => tmp.cleanup());
let files = 0;

type Value = string | number | null;
interface Row {
  running: boolean;
  job: string;
  id: Value;
  schedule: Value;
  start: Value;
  stop: Value;
  exit: Value;
  type: string;
  data: string | null;
}

function database(rows: readonly Row[]): string {
  const file = join(tmp.path, `runs-${files++}.sqlite3`);
  const db = new Database(file);
  db.exec('CREATE TABLE runs (job_name text, run_id text, schedule_time real, start_time real, stop_time real, exit_code integer, trigger_type text, trigger_data text, run_data text)');
  db.exec('CREATE TABLE runs_running (job_name text, run_id text, schedule_time real, start_time real, trigger_type text, trigger_data text, run_data text)');
  const fin = db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const run = db.prepare('INSERT INTO runs_running VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const r of rows) {
    if (r.running) run.run(r.job, r.id, r.schedule, r.start, r.type, r.data, r.data);
    else fin.run(r.job, r.id, r.schedule, r.start, r.stop, r.exit, r.type, r.data, r.data);
  }
  db.close();
  return file;
}

const NOW = 1_700_000_000;
const uuid = fc.uuid();
const oddId = fc.constantFrom('0', '7', '10', '4294967294', '4294967295', '01', 'a', 'B', 'é', '\u{1F600}', '\uFFFD', 'z');
const time: fc.Arbitrary<Value> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: NOW - 200_000, max: NOW }).map((t) => t + 0.25) },
  fc.constantFrom<Value>(NOW - 100, NOW - 100, null, -5, 0, 'text', '1699990000.5'),
);
const row = (ids: fc.Arbitrary<string>): fc.Arbitrary<Row> =>
  fc.record({
    running: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
    job: fc.constantFrom('backup', 'lint'),
    id: fc.oneof({ weight: 8, arbitrary: ids }, fc.constant(null)),
    schedule: time,
    start: time,
    stop: time,
    exit: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constant(null), fc.constant('x')),
    type: fc.constantFrom('schedule', 'file', 'retry'),
    data: fc.oneof({ weight: 6, arbitrary: fc.constant('{}') }, fc.constant(null), fc.constant('{"return_data": {"ok": true}}'), fc.constant('not json')),
  });

const table = { width: null, palette: new Palette(true), unicode: true } as const;
const FORMATS: ListFormat[] = ['json', 'tabular', 'pretty'];

async function both(file: string, filter: RunFilter, format: ListFormat): Promise<[string, string]> {
  const store = new SqliteStore(file, { reader: true });
  await store.open();
  try {
    const onePass = (await runListing(store, filter, format, NOW, true))(table);
    const general = (await runListing(store, filter, format, NOW, false))(table);
    return [onePass, general];
  } finally {
    await store.close();
  }
}

describe('run list in one pass', () => {
  it('prints what the general way prints, for any rows (odd times and ids, repeats, running runs), json, tabular and pretty', async () => {
    const filters = fc.constantFrom<RunFilter>({}, { jobNames: ['backup'] }, { runIds: ['0', 'a', '\u{1F600}'] });
    await fc.assert(
      fc.asyncProperty(fc.array(row(fc.oneof(uuid, oddId)), { maxLength: 14 }), filters, async (rows, filter) => {
        const file = database(rows);
        for (const format of FORMATS) {
          const [onePass, general] = await both(file, filter, format);
          expect(onePass, format).toBe(general);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('prints the same for ordinary runs (uuids, times, some running), and does take the one pass for them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({ id: uuid, start: fc.integer({ min: NOW - 40, max: NOW }), running: fc.boolean(), exit: fc.integer({ min: 0, max: 2 }) }),
          { maxLength: 30, selector: (r) => r.id },
        ),
        async (runs) => {
          const file = database(
            runs.map((r) => ({
              running: r.running,
              job: 'backup',
              id: r.id,
              schedule: r.start - 1,
              start: r.start,
              stop: r.start + 30.5,
              exit: r.exit,
              type: 'schedule',
              data: '{}',
            })),
          );
          const store = new SqliteStore(file, { reader: true });
          await store.open();
          try {
            for (const order of ['id', 'start_asc', 'start_desc'] as const) {
              let visited = 0;
              expect(await visitInListingOrder(store, {}, order, () => visited++)).toBe(true);
              expect(visited).toBe(runs.length);
            }
          } finally {
            await store.close();
          }
          for (const format of FORMATS) {
            const [onePass, general] = await both(file, {}, format);
            expect(onePass, format).toBe(general);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives up (and the general way lists) where the database orders rows unlike JavaScript or a JSON listing merges them', async () => {
    const base = { job: 'backup', schedule: NOW - 10, stop: NOW, exit: 0, type: 'schedule', data: '{}' };
    const cases: [string, Row[], 'id' | 'start_asc' | 'start_desc'][] = [
      ['a repeated run id', [{ ...base, running: false, id: 'x', start: NOW - 5 }, { ...base, running: false, id: 'x', start: NOW - 4 }], 'id'],
      ['an array-index run id', [{ ...base, running: false, id: '12', start: NOW - 5 }], 'id'],
      ['a running run with a finished run id', [{ ...base, running: false, id: 'x', start: NOW - 5 }, { ...base, running: true, id: 'x', start: NOW - 4 }], 'id'],
      ['NULL and negative start times', [{ ...base, running: false, id: 'a', start: null }, { ...base, running: false, id: 'b', start: -3 }], 'start_asc'],
      ['text in a time column', [{ ...base, running: false, id: 'a', start: 'text' }, { ...base, running: false, id: 'b', start: NOW }], 'start_desc'],
    ];
    for (const [what, rows, order] of cases) {
      const store = new SqliteStore(database(rows), { reader: true });
      await store.open();
      try {
        expect(await visitInListingOrder(store, {}, order, () => undefined), what).toBe(false);
      } finally {
        await store.close();
      }
    }
  });
});
