import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildArgv } from '../../src/executor/argv.js';
import { DEFAULT_PATH, buildRunEnvironment, chooseWorkingDirectory, identityViolations } from '../../src/executor/environment.js';
import { pythonFloatText } from '../../src/executor/python-float.js';
import type { RunEnvironmentInput } from '../../src/executor/types.js';
import type { FinishedRun } from '../../src/store/types.js';
import { makeTempDir } from '../helpers/index.js';

const base: RunEnvironmentInput = {
  dataDir: '/var/lib/dsari',
  jobName: 'backup',
  runId: '6f1c7a4e-1111-4222-8333-944445555666',
  scheduleTime: 1_700_000_000,
  startTime: 1_700_000_001.25,
  triggerType: 'schedule',
  daemonPath: '/opt/bin:/usr/bin:/bin',
  user: { username: 'dsari', homedir: '/home/dsari' },
};
const RUN_DIR = '/var/lib/dsari/runs/backup/6f1c7a4e-1111-4222-8333-944445555666';

function finished(runId: string, exitCode: number, t: number): FinishedRun {
  return { jobName: 'backup', runId, scheduleTime: t, startTime: t + 0.5, stopTime: t + 2, exitCode, triggerType: 'schedule', triggerData: {}, runData: {} };
}

describe('buildRunEnvironment (SPEC §6)', () => {
  it('has exactly the generated variables, nothing else', () => {
    expect(buildRunEnvironment(base)).toEqual({
      LOGNAME: 'dsari',
      HOME: '/home/dsari',
      PATH: '/opt/bin:/usr/bin:/bin',
      CI: 'true',
      DSARI: 'true',
      DATA_DIR: '/var/lib/dsari',
      JOB_NAME: 'backup',
      JOB_DIR: '/var/lib/dsari/runs/backup',
      RUN_ID: base.runId,
      RUN_DIR,
      SCHEDULE_TIME: '1700000000.0',
      START_TIME: '1700000001.25',
      TRIGGER_TYPE: 'schedule',
      TRIGGER_DIR: '/var/lib/dsari/trigger',
      // RUN_DIR does not exist here, and is still what PWD names (it is the run's directory).
      PWD: RUN_DIR,
    });
  });

  describe('nothing of the daemon environment is inherited', () => {
    beforeEach(() => {
      process.env['DSARI_TEST_MARKER'] = 'leaked';
    });
    afterEach(() => {
      delete process.env['DSARI_TEST_MARKER'];
    });
    it('leaves out a variable set in the daemon process', () => {
      const env = buildRunEnvironment({ ...base, user: undefined });
      expect(env).not.toHaveProperty('DSARI_TEST_MARKER');
      expect(Object.keys(env).sort()).toEqual(
        ['CI', 'DATA_DIR', 'DSARI', 'HOME', 'JOB_DIR', 'JOB_NAME', 'LOGNAME', 'PATH', 'PWD', 'RUN_DIR', 'RUN_ID', 'SCHEDULE_TIME', 'START_TIME', 'TRIGGER_DIR', 'TRIGGER_TYPE'].sort(),
      );
    });
  });

  it('takes LOGNAME and HOME from the user database by default', () => {
    const { user: _omit, ...rest } = base;
    const env = buildRunEnvironment(rest);
    expect(env['LOGNAME']).toBe(userInfo().username);
    expect(env['HOME']).toBe(userInfo().homedir);
  });

  it('leaves LOGNAME and HOME out when the user database has no entry', () => {
    const env = buildRunEnvironment({ ...base, user: null });
    expect(env).not.toHaveProperty('LOGNAME');
    expect(env).not.toHaveProperty('HOME');
  });

  it.each([[undefined], ['']])('uses /usr/bin:/bin when the daemon has no PATH (%j)', (daemonPath) => {
    expect(buildRunEnvironment({ ...base, daemonPath })['PATH']).toBe(DEFAULT_PATH);
    expect(DEFAULT_PATH).toBe('/usr/bin:/bin');
  });

  it('overrides in the order generated < global < job < trigger', () => {
    const env = buildRunEnvironment({
      ...base,
      globalEnvironment: { A: 'global', B: 'global', C: 'global', CI: 'no', PATH: '/global' },
      jobEnvironment: { B: 'job', C: 'job', HOME: '/job-home' },
      triggerEnvironment: { C: 'trigger', D: 'trigger' },
    });
    expect(env).toMatchObject({ A: 'global', B: 'job', C: 'trigger', D: 'trigger', CI: 'no', PATH: '/global', HOME: '/job-home' });
  });

  it('adds CONCURRENCY_GROUP and JOB_GROUP when given', () => {
    const env = buildRunEnvironment({ ...base, concurrencyGroup: 'builders', jobGroup: 'nightly' });
    expect(env['CONCURRENCY_GROUP']).toBe('builders');
    expect(env['JOB_GROUP']).toBe('nightly');
    const none = buildRunEnvironment({ ...base, concurrencyGroup: null, jobGroup: null });
    expect(none).not.toHaveProperty('CONCURRENCY_GROUP');
    expect(none).not.toHaveProperty('JOB_GROUP');
  });

  it('adds PREVIOUS_, PREVIOUS_GOOD_ and PREVIOUS_BAD_ runs', () => {
    const env = buildRunEnvironment({
      ...base,
      previousRuns: { last: finished('r-last', 2, 1_699_000_000.125), lastGood: finished('r-good', 0, 1_698_000_000), lastBad: finished('r-last', 2, 1_699_000_000.125) },
    });
    expect(env).toMatchObject({
      PREVIOUS_RUN_ID: 'r-last',
      PREVIOUS_SCHEDULE_TIME: '1699000000.125',
      PREVIOUS_START_TIME: '1699000000.625',
      PREVIOUS_STOP_TIME: '1699000002.125',
      PREVIOUS_EXIT_CODE: '2',
      PREVIOUS_GOOD_RUN_ID: 'r-good',
      PREVIOUS_GOOD_SCHEDULE_TIME: '1698000000.0',
      PREVIOUS_GOOD_START_TIME: '1698000000.5',
      PREVIOUS_GOOD_STOP_TIME: '1698000002.0',
      PREVIOUS_GOOD_EXIT_CODE: '0',
      PREVIOUS_BAD_RUN_ID: 'r-last',
      PREVIOUS_BAD_EXIT_CODE: '2',
    });
    const onlyGood = buildRunEnvironment({ ...base, previousRuns: { last: finished('g', 0, 1), lastGood: finished('g', 0, 1), lastBad: null } });
    expect(Object.keys(onlyGood).filter((k) => k.startsWith('PREVIOUS_BAD_'))).toEqual([]);
    expect(Object.keys(onlyGood).filter((k) => k.startsWith('PREVIOUS_')).length).toBe(10);
  });

  it('adds the Jenkins variables with jenkins_environment', () => {
    const env = buildRunEnvironment({ ...base, jenkinsEnvironment: true });
    expect(env).toMatchObject({
      BUILD_NUMBER: base.runId,
      BUILD_ID: base.runId,
      BUILD_URL: `file://${RUN_DIR}/`,
      NODE_NAME: 'master',
      BUILD_TAG: `dsari-backup-${base.runId}`,
      JENKINS_URL: 'file:///var/lib/dsari/',
      EXECUTOR_NUMBER: '0',
      WORKSPACE: RUN_DIR,
    });
    expect(buildRunEnvironment(base)).not.toHaveProperty('BUILD_ID');
  });

  describe('PWD is the working directory actually used', () => {
    it('uses an existing directory named by PWD, absolute or relative to RUN_DIR', () => {
      const tmp = makeTempDir();
      const dataDir = join(tmp.path, 'data');
      const runDir = join(dataDir, 'runs', 'backup', base.runId);
      mkdirSync(join(runDir, 'sub'), { recursive: true });
      expect(buildRunEnvironment({ ...base, dataDir, jobEnvironment: { PWD: tmp.path } })['PWD']).toBe(tmp.path);
      expect(buildRunEnvironment({ ...base, dataDir, triggerEnvironment: { PWD: 'sub' } })['PWD']).toBe(join(runDir, 'sub'));
      expect(buildRunEnvironment({ ...base, dataDir, jobEnvironment: { PWD: join(tmp.path, 'missing') } })['PWD']).toBe(runDir);
      expect(chooseWorkingDirectory(undefined, runDir)).toBe(runDir);
      tmp.cleanup();
    });
  });
});

describe('identityViolations', () => {
  it('names every identity variable a trigger sets, and nothing else', () => {
    expect(identityViolations({ FOO: '1', PWD: '/tmp', CI: 'no' })).toEqual([]);
    expect(identityViolations(undefined)).toEqual([]);
    expect(identityViolations({ RUN_ID: 'x', FOO: '1', JOB_NAME: 'y' })).toEqual(['JOB_NAME', 'RUN_ID']);
    expect(identityViolations({ JOB_NAME: '', RUN_ID: '', RUN_DIR: '', JOB_DIR: '', DATA_DIR: '', TRIGGER_TYPE: '', SCHEDULE_TIME: '', START_TIME: '' })).toHaveLength(8);
  });
});

describe('pythonFloatText: Python 3 str(float)', () => {
  it.each([
    [1_700_000_000, '1700000000.0'],
    [1_700_000_000.25, '1700000000.25'],
    [1_700_000_000.123456, '1700000000.123456'],
    [0.1, '0.1'],
    [0, '0.0'],
    [-1.5, '-1.5'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [2.5e-7, '2.5e-07'],
    [1e22, '1e+22'],
    [1e100, '1e+100'],
  ])('%d → %s', (value, text) => {
    expect(pythonFloatText(value)).toBe(text);
  });
});

describe('buildArgv', () => {
  it('appends job name and run id only with command_append_run, never touching the config', () => {
    const command = Object.freeze(['/bin/echo', 'a b']);
    expect(buildArgv({ jobName: 'j', runId: 'r', command, commandAppendRun: false })).toEqual(['/bin/echo', 'a b']);
    const appended = buildArgv({ jobName: 'j', runId: 'r', command, commandAppendRun: true });
    expect(appended).toEqual(['/bin/echo', 'a b', 'j', 'r']);
    expect(buildArgv({ jobName: 'j', runId: 'r2', command, commandAppendRun: true })).toEqual(['/bin/echo', 'a b', 'j', 'r2']);
    expect(command).toEqual(['/bin/echo', 'a b']);
  });
});
