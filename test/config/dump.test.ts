import { afterEach, describe, expect, it } from 'vitest';
import { redactDatabase, redactDsn } from '../../src/config/database.js';
import { normalisedConfig } from '../../src/config/dump.js';
import { cleanupTemp, loadFiles } from './helpers.js';
import { pythonFloatText } from '../../src/config/values.js';

afterEach(cleanupTemp);

describe('redactDsn / redactDatabase', () => {
  it.each([
    ['host=db user=dsari password=s3cret dbname=runs', 'host=db user=dsari password=REDACTED dbname=runs'],
    ["host=db password='a b\\' c' dbname=runs", 'host=db password=REDACTED dbname=runs'],
    ['password = x host=db', 'password = REDACTED host=db'],
    ['host=db dbname=runs', 'host=db dbname=runs'],
    ['postgresql://dsari:s3cret@db:5432/runs', 'postgresql://dsari:REDACTED@db:5432/runs'],
    ['postgres://dsari@db/runs?password=s3cret&sslmode=require', 'postgres://dsari@db/runs?password=REDACTED&sslmode=require'],
    ['postgresql://db/runs', 'postgresql://db/runs'],
  ])('%s', (dsn, redacted) => {
    expect(redactDsn(dsn)).toBe(redacted);
  });
  it('redacts the mysql passwd and leaves the input alone', () => {
    const db = { type: 'mysql' as const, connection: { host: 'h', user: 'u', passwd: 'p', db: 'd', port: 3306 } };
    expect(redactDatabase(db)).toEqual({ type: 'mysql', connection: { host: 'h', user: 'u', passwd: 'REDACTED', db: 'd', port: 3306 } });
    expect(db.connection.passwd).toBe('p');
    expect(redactDatabase({ type: 'sqlite3', file: '/x' })).toEqual({ type: 'sqlite3', file: '/x' });
  });
});

describe('pythonFloatText (str() of a float)', () => {
  it.each([
    [1, '1.0'],
    [1.5, '1.5'],
    [-2.25, '-2.25'],
    [0.1, '0.1'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.2345e20, '1.2345e+20'],
    [123456.789, '123456.789'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
    [0, '0.0'],
  ])('%d → %s', (x, text) => {
    expect(pythonFloatText(x)).toBe(text);
  });
});

describe('normalisedConfig (the original shape)', () => {
  it('has every key with effective values', () => {
    const { config, dir } = loadFiles({
      'dsari.yaml': `data_dir: /srv/d
shutdown_kill_grace: 5
environment: {G: 1}
database: {type: postgresql, dsn: "host=x password=pw"}
concurrency_groups:
  db: {max: 2}
jobs:
  b:
    command: echo "a b"
    concurrency_groups: [z, db]
    max_execution: 30.5
`,
    });
    const n = normalisedConfig(config, 1_800_000_000);
    expect(n).toEqual({
      jobs: {
        b: {
          command: ['echo', 'a b'],
          command_append_run: false,
          schedule: null,
          schedule_timezone: null,
          next_scheduled_run: null,
          environment: {},
          max_execution: 30.5,
          max_execution_grace: 60,
          concurrency_groups: ['db', 'z'],
          render_reports: true,
          jenkins_environment: false,
          job_group: null,
          concurrent_runs: false,
        },
      },
      concurrency_groups: { db: { max: 2 }, z: { max: 1 } },
      config_d: `${dir}/config.d`,
      data_dir: '/srv/d',
      template_dir: null,
      report_html_gz: false,
      report_run_output_start: 0,
      report_run_output_end: 0,
      shutdown_kill_runs: false,
      shutdown_kill_grace: 5,
      environment: { G: '1' },
      database: { type: 'postgresql', dsn: 'host=x password=REDACTED' },
    });
    expect(JSON.stringify(n)).not.toContain('pw"');
  });
});
