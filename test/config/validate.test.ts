import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { Logger, MemorySink } from '../../src/log.js';
import { cleanupTemp, errorOf, loadYaml } from './helpers.js';

afterEach(cleanupTemp);

const job = (extra: string): string => `jobs:\n  backup:\n    command: [/bin/true]\n${extra}`;

describe('job keys: defaults', () => {
  it('gives every default of SPEC §3', () => {
    const c = loadYaml(job(''));
    expect(c.jobs.get('backup')).toEqual({
      name: 'backup',
      command: ['/bin/true'],
      commandAppendRun: false,
      schedule: null,
      scheduleTimezone: null,
      environment: {},
      maxExecution: null,
      maxExecutionGrace: 60,
      concurrencyGroups: [],
      renderReports: true,
      jenkinsEnvironment: false,
      jobGroup: null,
      concurrentRuns: false,
    });
  });

  it('reads every key', () => {
    const c = loadYaml(`jobs:
  backup:
    command: rsync -a "/src dir" /dst
    command_append_run: true
    schedule: null
    schedule_timezone: Europe/Berlin
    environment: {A: x, B: 2, C: 2.5}
    max_execution: 300
    max_execution_grace: 1.5
    concurrency_groups: [z, a, z]
    render_reports: false
    jenkins_environment: true
    job_group: mine
    concurrent_runs: yes
`);
    expect(c.jobs.get('backup')).toEqual({
      name: 'backup',
      command: ['rsync', '-a', '/src dir', '/dst'],
      commandAppendRun: true,
      schedule: null,
      scheduleTimezone: 'Europe/Berlin',
      environment: { A: 'x', B: '2', C: '2.5' },
      maxExecution: 300,
      maxExecutionGrace: 1.5,
      concurrencyGroups: ['a', 'z'],
      renderReports: false,
      jenkinsEnvironment: true,
      jobGroup: 'mine',
      concurrentRuns: true,
    });
    expect([...c.concurrencyGroups.values()]).toEqual([
      { name: 'a', max: 1 },
      { name: 'z', max: 1 },
    ]);
  });
});

describe('job keys: validation', () => {
  const cases: Array<[string, string, string]> = [
    ['command missing', 'jobs:\n  backup:\n    schedule: null\n', 'dsari.yaml: job "backup": command: required (a list of arguments, or a command line)'],
    ['command null', 'jobs:\n  backup:\n    command: null\n', 'dsari.yaml: job "backup": command: required (a list of arguments, or a command line)'],
    ['command number', 'jobs:\n  backup:\n    command: 3\n', 'dsari.yaml: job "backup": command: expected a list of arguments or a command line, found 3'],
    ['command empty string', 'jobs:\n  backup:\n    command: "  "\n', 'dsari.yaml: job "backup": command: the command is empty'],
    ['command empty list', 'jobs:\n  backup:\n    command: []\n', 'dsari.yaml: job "backup": command: the command is empty'],
    ['command non-string item', 'jobs:\n  backup:\n    command: [echo, 3]\n', 'dsari.yaml: job "backup": command: item 2: expected a string, found 3'],
    ['command empty program', 'jobs:\n  backup:\n    command: ["", x]\n', 'dsari.yaml: job "backup": command: the program (first argument) is an empty string'],
    ['command unclosed quote', `jobs:\n  backup:\n    command: echo 'x\n`, `dsari.yaml: job "backup": command: cannot split "echo 'x": no closing quotation (' at character 6)`],
    ['command_append_run', job('    command_append_run: "yes"\n'), 'dsari.yaml: job "backup": command_append_run: expected true or false, found "yes"'],
    ['schedule number', job('    schedule: 5\n'), 'dsari.yaml: job "backup": schedule: expected a string or null, found 5'],
    ['schedule empty', job('    schedule: ""\n'), 'dsari.yaml: job "backup": schedule: the schedule is empty (use null for a job run only by triggers)'],
    ['schedule_timezone unknown', job('    schedule_timezone: Mars/Olympus\n'), 'dsari.yaml: job "backup": schedule_timezone: unknown time zone "Mars/Olympus" (expected an IANA name such as "Europe/Berlin" or "UTC")'],
    ['schedule_timezone type', job('    schedule_timezone: [UTC]\n'), 'dsari.yaml: job "backup": schedule_timezone: expected a string or null, found a list'],
    ['environment list of scalars', job('    environment: [a]\n'), 'dsari.yaml: job "backup": environment: item 1: expected a mapping of one variable to its value (- NAME: value), found "a"'],
    ['environment scalar', job('    environment: x\n'), 'dsari.yaml: job "backup": environment: expected a mapping of variable names to values, found "x"'],
    ['environment bool value', job('    environment: {A: true}\n'), 'dsari.yaml: job "backup": environment: A: expected a string or a number, found true'],
    ['environment null value', job('    environment: {A: null}\n'), 'dsari.yaml: job "backup": environment: A: expected a string or a number, found null'],
    ['environment list value', job('    environment: {A: [1]}\n'), 'dsari.yaml: job "backup": environment: A: expected a string or a number, found a list'],
    ['environment name with =', job('    environment: {"A=B": x}\n'), 'dsari.yaml: job "backup": environment: "A=B": a variable name must be non-empty and contain neither "=" nor a NUL character'],
    ['max_execution text', job('    max_execution: ten\n'), 'dsari.yaml: job "backup": max_execution: expected a number of seconds or null, found "ten"'],
    ['max_execution bool', job('    max_execution: true\n'), 'dsari.yaml: job "backup": max_execution: expected a number of seconds or null, found true'],
    ['max_execution negative', job('    max_execution: -1\n'), 'dsari.yaml: job "backup": max_execution: expected a number of seconds ≥ 0, found -1'],
    ['max_execution_grace null', job('    max_execution_grace: null\n'), 'dsari.yaml: job "backup": max_execution_grace: expected a number of seconds, found null'],
    ['max_execution_grace infinite', job('    max_execution_grace: .inf\n'), 'dsari.yaml: job "backup": max_execution_grace: expected a number of seconds, found Infinity'],
    ['concurrency_groups string', job('    concurrency_groups: db\n'), 'dsari.yaml: job "backup": concurrency_groups: expected a list of concurrency group names, found "db"'],
    ['concurrency_groups bad name', job('    concurrency_groups: [a/b]\n'), 'dsari.yaml: job "backup": concurrency_groups: invalid concurrency group name "a/b": contains "/"; only letters, digits, space and - _ + . : @ are allowed'],
    ['concurrency_groups number', job('    concurrency_groups: [1]\n'), 'dsari.yaml: job "backup": concurrency_groups: item 1: expected a concurrency group name, found 1'],
    ['render_reports', job('    render_reports: 0\n'), 'dsari.yaml: job "backup": render_reports: expected true or false, found 0'],
    ['jenkins_environment', job('    jenkins_environment: null\n'), 'dsari.yaml: job "backup": jenkins_environment: expected true or false, found null'],
    ['job_group', job('    job_group: 3\n'), 'dsari.yaml: job "backup": job_group: expected a string or null, found 3'],
    ['concurrent_runs', job('    concurrent_runs: "true"\n'), 'dsari.yaml: job "backup": concurrent_runs: expected true or false, found "true"'],
    ['job not a mapping', 'jobs:\n  backup: /bin/true\n', 'dsari.yaml: job "backup": expected a job definition (a mapping with at least "command"), found "/bin/true"'],
  ];
  it.each(cases)('%s', (_name, yaml, message) => {
    let err: unknown;
    try {
      loadYaml(yaml);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(message);
    expect((err as ConfigError).file).toBe('dsari.yaml');
    expect((err as ConfigError).job).toBe('backup');
  });
});

describe('names', () => {
  const bad: Array<[string, string]> = [
    ['a/b', 'contains "/"; only letters, digits, space and - _ + . : @ are allowed'],
    ['.', 'is not allowed (it is a special directory name)'],
    ['..', 'is not allowed (it is a special directory name)'],
    ['x'.repeat(65), 'is 65 characters long, at most 64 allowed'],
    ['-rf', 'starts with "-" (it would be read as an option)'],
    ['ünï', 'contains "ü"; only letters, digits, space and - _ + . : @ are allowed'],
  ];
  it.each(bad)('refuses job name %j', (name, problem) => {
    expect(errorOf(() => loadYaml(`jobs:\n  ${JSON.stringify(name)}:\n    command: [x]\n`))).toBe(
      `dsari.yaml: job ${JSON.stringify(name)}: invalid job name ${JSON.stringify(name)}: ${problem}`,
    );
  });
  it.each(['a', 'A-z_0+9.:@ x', 'x'.repeat(64), '...', 'a-'])('accepts %j for jobs, job groups and concurrency groups', (name) => {
    const n = JSON.stringify(name);
    const c = loadYaml(`jobs:\n  ${n}:\n    command: [x]\n    concurrency_groups: [${n}]\njob_groups:\n  ${n}:\n    job_names: [other]\n    command: [x]\nconcurrency_groups:\n  ${n}: {max: 2}\n`);
    expect(c.jobs.get(name)?.concurrencyGroups).toEqual([name]);
    expect(c.jobs.get('other')?.jobGroup).toBe(name);
    expect(c.concurrencyGroups.get(name)?.max).toBe(2);
  });
  it('refuses bad job group and concurrency group names', () => {
    expect(errorOf(() => loadYaml('job_groups:\n  "a/b":\n    job_names: [x]\n    command: [x]\n'))).toBe(
      'dsari.yaml: job group "a/b": invalid name: contains "/"; only letters, digits, space and - _ + . : @ are allowed',
    );
    expect(errorOf(() => loadYaml('concurrency_groups:\n  "..": {max: 1}\n'))).toBe(
      'dsari.yaml: concurrency group "..": invalid name: is not allowed (it is a special directory name)',
    );
  });
});

describe('job groups', () => {
  it('expand into one job per name with job_group set', () => {
    const c = loadYaml(`job_groups:
  nightly:
    job_names: [b, a]
    command: backup.sh
    job_group: ignored
    max_execution: 10
`);
    expect([...c.jobs.keys()]).toEqual(['a', 'b']);
    expect(c.jobs.get('a')).toMatchObject({ command: ['backup.sh'], jobGroup: 'nightly', maxExecution: 10 });
    expect(c.jobs.get('b')?.jobGroup).toBe('nightly');
  });
  it('need job_names', () => {
    expect(errorOf(() => loadYaml('job_groups:\n  g:\n    command: [x]\n'))).toBe('dsari.yaml: job group "g": job_names: required (the list of job names this group defines)');
    expect(errorOf(() => loadYaml('job_groups:\n  g:\n    job_names: a\n    command: [x]\n'))).toBe('dsari.yaml: job group "g": job_names: expected a list of job names, found "a"');
  });
  it('may not define a job that jobs or another group defines', () => {
    expect(errorOf(() => loadYaml('jobs:\n  a:\n    command: [x]\njob_groups:\n  g:\n    job_names: [a]\n    command: [x]\n'))).toBe(
      'dsari.yaml: job group "g": job_names: job "a" is also defined in jobs',
    );
    expect(errorOf(() => loadYaml('job_groups:\n  g:\n    job_names: [a]\n    command: [x]\n  h:\n    job_names: [a]\n    command: [x]\n'))).toBe(
      'dsari.yaml: job group "h": job_names: job "a" is also defined in job group "g"',
    );
  });
  it('name the job and the group in errors', () => {
    expect(errorOf(() => loadYaml('job_groups:\n  g:\n    job_names: [a]\n    command: [x]\n    max_execution: x\n'))).toBe(
      'dsari.yaml: job "a" (job group "g"): max_execution: expected a number of seconds or null, found "x"',
    );
  });
});

describe('concurrency groups', () => {
  it('default max 1; implicit groups exist with max 1', () => {
    const c = loadYaml('concurrency_groups:\n  a: {}\n  b: {max: 3}\n  c: null\njobs:\n  j:\n    command: [x]\n    concurrency_groups: [d, b]\n');
    expect([...c.concurrencyGroups.values()]).toEqual([
      { name: 'a', max: 1 },
      { name: 'b', max: 3 },
      { name: 'c', max: 1 },
      { name: 'd', max: 1 },
    ]);
  });
  it.each([
    ['max: 0', 'dsari.yaml: concurrency group "a": max: expected an integer ≥ 1, found 0'],
    ['max: 2.0', 'dsari.yaml: concurrency group "a": max: expected an integer ≥ 1, found 2.0'],
    ['max: 1.5', 'dsari.yaml: concurrency group "a": max: expected an integer ≥ 1, found 1.5'],
    ['max: "2"', 'dsari.yaml: concurrency group "a": max: expected an integer ≥ 1, found "2"'],
  ])('refuses %s', (body, message) => {
    expect(errorOf(() => loadYaml(`concurrency_groups:\n  a: {${body}}\n`))).toBe(message);
  });
  it('refuses a group that is not a mapping', () => {
    expect(errorOf(() => loadYaml('concurrency_groups:\n  a: 3\n'))).toBe('dsari.yaml: concurrency group "a": expected a mapping such as {max: 2}, found 3');
  });
});

describe('top-level keys', () => {
  it('gives the defaults', () => {
    const c = loadYaml('{}');
    expect(c).toMatchObject({
      environment: {},
      shutdownKillRuns: false,
      shutdownKillGrace: null,
      templateDir: null,
      reportHtmlGz: false,
      reportRunOutputStart: 0,
      reportRunOutputEnd: 0,
    });
    expect(c.jobs.size).toBe(0);
    expect(c.concurrencyGroups.size).toBe(0);
  });
  const cases: Array<[string, string]> = [
    ['data_dir: 3', 'dsari.yaml: data_dir: expected a string, found 3'],
    ['data_dir: ""', 'dsari.yaml: data_dir: expected a path, found an empty string'],
    ['config_d: [a]', 'dsari.yaml: config_d: expected a directory path, found a list'],
    ['template_dir: true', 'dsari.yaml: template_dir: expected a string or null, found true'],
    ['environment: {A: {B: 1}}', 'dsari.yaml: environment: A: expected a string or a number, found a mapping'],
    ['shutdown_kill_runs: 1', 'dsari.yaml: shutdown_kill_runs: expected true or false, found 1'],
    ['shutdown_kill_grace: "5s"', 'dsari.yaml: shutdown_kill_grace: expected a number of seconds or null, found "5s"'],
    ['report_html_gz: "no"', 'dsari.yaml: report_html_gz: expected true or false, found "no"'],
    ['report_run_output_start: -1', 'dsari.yaml: report_run_output_start: expected a number of characters ≥ 0, found -1'],
    ['report_run_output_end: 1.5', 'dsari.yaml: report_run_output_end: expected a number of characters ≥ 0, found 1.5'],
    ['jobs: [a]', 'dsari.yaml: jobs: expected a mapping of job names to job definitions, found a list'],
    ['job_groups: 3', 'dsari.yaml: job_groups: expected a mapping of job group names to job definitions with job_names, found 3'],
    ['concurrency_groups: [a]', 'dsari.yaml: concurrency_groups: expected a mapping of group names to {max: N}, found a list'],
    ['database: sqlite3', 'dsari.yaml: database: expected a mapping with a "type", found "sqlite3"'],
    ['database: {type: mongodb}', 'dsari.yaml: database: type: database type "mongodb" is not supported by this implementation (use sqlite3, postgresql or mysql)'],
    ['database: {type: oracle}', 'dsari.yaml: database: type: expected one of sqlite3, postgresql, mysql, found "oracle"'],
    ['database: {type: postgresql}', 'dsari.yaml: database: dsn: required for type postgresql (a libpq connection string or URI)'],
    ['database: {type: mysql}', 'dsari.yaml: database: connection: required for type mysql (a mapping with host, user, passwd, db, port)'],
    ['database: {type: mysql, connection: {port: "3306"}}', 'dsari.yaml: database: connection: port: expected a port number ≥ 1, found "3306"'],
    ['database: {type: mysql, connection: {passwd: 1234}}', 'dsari.yaml: database: connection: passwd: expected a string, found 1234'],
    ['database: {type: sqlite3, file: 3}', 'dsari.yaml: database: file: expected a string or null, found 3'],
  ];
  it.each(cases)('%s', (yaml, message) => {
    expect(errorOf(() => loadYaml(`${yaml}\n`))).toBe(message);
  });
  it('reads the numbers and flags', () => {
    const c = loadYaml('shutdown_kill_runs: true\nshutdown_kill_grace: 2.5\nreport_html_gz: true\nreport_run_output_start: 100\nreport_run_output_end: 200\nenvironment:\n  - A: 1\n  - B: x\n');
    expect(c).toMatchObject({ shutdownKillRuns: true, shutdownKillGrace: 2.5, reportHtmlGz: true, reportRunOutputStart: 100, reportRunOutputEnd: 200, environment: { A: '1', B: 'x' } });
  });
});

describe('unknown keys', () => {
  it('are warnings with a suggestion, logged and kept', () => {
    const sink = new MemorySink();
    const log = new Logger({ sink });
    const c = loadYaml('jobz: {}\njobs:\n  a:\n    command: [x]\n    schedul: "* * * * *"\n    frobnicate: 1\njob_groups:\n  g:\n    job_names: [b]\n    command: [x]\n    max_exection: 3\nconcurrency_groups:\n  c: {maximum: 2}\n', { log });
    expect(c.warnings).toEqual([
      'dsari.yaml: unknown key "jobz" ignored (did you mean "jobs"?)',
      'dsari.yaml: concurrency group "c": unknown key "maximum" ignored',
      'dsari.yaml: job "a": unknown key "schedul" ignored (did you mean "schedule"?)',
      'dsari.yaml: job "a": unknown key "frobnicate" ignored',
      'dsari.yaml: job group "g": unknown key "max_exection" ignored (did you mean "max_execution"?)',
    ]);
    expect(sink.lines).toEqual(c.warnings.map((w) => `WARNING: ${w}`));
  });
});

describe('validateConfig', () => {
  it('does not change the raw configuration it is given', async () => {
    const { validateConfig } = await import('../../src/config/validate.js');
    const { Origins } = await import('../../src/config/merge.js');
    const raw = {
      environment: [{ A: 1 }],
      jobs: { b: { command: 'echo "x y"', concurrency_groups: ['z', 'a', 'z'], environment: { N: 2.5 } } },
      job_groups: { g: { job_names: ['c'], command: ['x'] } },
    };
    const before = JSON.stringify(raw);
    const config = validateConfig(raw, { configDir: '/etc/x', defaultDataDir: '/var/x', configD: '/etc/x/config.d', origins: new Origins(), files: [] });
    expect(JSON.stringify(raw)).toBe(before);
    expect(config.jobs.get('b')?.command).toEqual(['echo', 'x y']);
    expect(config.jobs.get('c')?.jobGroup).toBe('g');
    expect(config.raw).toBe(raw);
  });
});
