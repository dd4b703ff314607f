import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseFromSpec } from '../../src/store/migrate.js';
import { makeTempDir, runCli } from '../helpers/index.js';
import { makeSqliteSource } from './migrate-cases.js';

const tmp = makeTempDir('dsari-migrate-cli-');
afterAll(() => tmp.cleanup());

describe('dsari migrate (SQLite to SQLite, arguments, errors)', () => {
  it('tells the kinds of --from/--to apart', () => {
    expect(databaseFromSpec('postgresql://u:p@h/d')).toEqual({ type: 'postgresql', dsn: 'postgresql://u:p@h/d' });
    expect(databaseFromSpec('postgres://h/d').type).toBe('postgresql');
    expect(databaseFromSpec('host=h dbname=d')).toEqual({ type: 'postgresql', dsn: 'host=h dbname=d' });
    expect(databaseFromSpec('mysql://u:p@h:3307/d')).toEqual({ type: 'mysql', connection: { host: 'h', user: 'u', passwd: 'p', port: 3307, db: 'd' } });
    expect(databaseFromSpec('/var/lib/dsari/dsari.sqlite3')).toEqual({ type: 'sqlite3', file: '/var/lib/dsari/dsari.sqlite3' });
    expect(databaseFromSpec('relative.sqlite3')).toEqual({ type: 'sqlite3', file: 'relative.sqlite3' });
  });

  it('copies finished and running runs into a new SQLite file, and a second run copies nothing', async () => {
    const src = join(tmp.path, 'a.sqlite3');
    const dst = join(tmp.path, 'sub', 'b.sqlite3');
    makeSqliteSource(src, 250);
    const first = await runCli('dsari', ['migrate', '--from', src, '--to', dst]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(`Copied 250 finished runs (0 already there) and 3 running runs (0 already there) from ${src} to ${dst}\n`);
    const second = await runCli('dsari', ['migrate', '--from', src, '--to', dst, '--batch-size', '7']);
    expect(second.stdout).toBe(`Copied 0 finished runs (250 already there) and 0 running runs (3 already there) from ${src} to ${dst}\n`);
  });

  it('errors are one line naming the database, without the password', async () => {
    const missing = await runCli('dsari', ['migrate', '--from', join(tmp.path, 'nope.sqlite3'), '--to', join(tmp.path, 'x.sqlite3')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`dsari: source SQLite database ${join(tmp.path, 'nope.sqlite3')} does not exist\n`);

    const src = join(tmp.path, 'c.sqlite3');
    makeSqliteSource(src, 1);
    const down = await runCli('dsari', ['migrate', '--from', src, '--to', 'postgresql://u:sekrit-pw@127.0.0.1:1/x']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^dsari: postgresql database postgresql:\/\/u:REDACTED@127\.0\.0\.1:1\/x is unavailable \(connecting\): .*\n$/);
    expect(down.stderr).not.toContain('sekrit-pw');

    const scheme = await runCli('dsari', ['migrate', '--from', 'mongodb://h/x', '--to', src]);
    expect(scheme.code).toBe(1);
    expect(scheme.stderr).toMatch(/unsupported database URI mongodb:\/\/h\/x/);

    const usage = await runCli('dsari', ['migrate', '--from', src]);
    expect(usage.code).toBe(2);
  });
});

describe('dsari migrate in place (without --from/--to)', () => {
  const site = (database: string): string => {
    const dir = join(tmp.path, `etc-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'dsari.yaml'), `data_dir: ${JSON.stringify(join(dir, 'var'))}\n${database}`);
    return dir;
  };

  it('creates the tables of a new configured database (the default SQLite file in DATA_DIR)', async () => {
    const etc = site('');
    const r = await runCli('dsari', ['migrate', '-c', etc]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^Upgraded ${join(etc, 'var', 'dsari.sqlite3')}: created table runs, table runs_running, table dsari_pauses, table dsari_pending_runs, table dsari_notifications, index `));
    expect((await runCli('dsari', ['migrate', '-c', etc])).stdout).toMatch(/is up to date: nothing to create\n$/);
  });

  it('an unreachable server or a file that is not a database: one line on stderr, exit 1, no password', async () => {
    const down = await runCli('dsari', ['migrate', '-c', site('database: {type: postgresql, dsn: "postgresql://u:sekrit-pw@127.0.0.1:1/x"}\n')]);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(/^dsari: postgresql database postgresql:\/\/u:REDACTED@127\.0\.0\.1:1\/x is unavailable \(connecting\): [^\n]*\n$/);
    expect(down.stderr).not.toContain('sekrit-pw');
    const junk = join(tmp.path, 'junk.sqlite3');
    writeFileSync(junk, 'this is not a database, just text long enough to look like a header of one\n'.repeat(20));
    const bad = await runCli('dsari', ['migrate', '-c', site(`database: {type: sqlite3, file: ${JSON.stringify(junk)}}\n`)]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`dsari: ${junk} is not a SQLite database or is corrupt: file is not a database\n`);
  });
});
