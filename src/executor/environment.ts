/**
 * The run environment (SPEC §6): built from scratch — the daemon's own environment is never
 * inherited — then overridden by the global, job and trigger `environment` mappings in that
 * order. Names and formats follow the original's `run_child_executor`.
 */
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { FinishedRun } from '../store/types.js';
import { pythonFloatText } from './python-float.js';
import type { RunEnvironmentInput } from './types.js';

/** Used when the daemon has no PATH of its own, as the original does. */
export const DEFAULT_PATH = '/usr/bin:/bin';

/** Variables that name the run; a trigger that sets one of them is rejected (SPEC §6). */
export const IDENTITY_VARIABLES: readonly string[] = Object.freeze([
  'JOB_NAME',
  'RUN_ID',
  'RUN_DIR',
  'JOB_DIR',
  'DATA_DIR',
  'TRIGGER_TYPE',
  'SCHEDULE_TIME',
  'START_TIME',
]);

/** `DATA_DIR/runs/JOB`. */
export function jobDirOf(dataDir: string, jobName: string): string {
  return join(dataDir, 'runs', jobName);
}

/** `DATA_DIR/runs/JOB/RUN_ID`. */
export function runDirOf(dataDir: string, jobName: string, runId: string): string {
  return join(dataDir, 'runs', jobName, runId);
}

/**
 * The identity variables a trigger's environment tries to set, in the order of
 * {@link IDENTITY_VARIABLES}; empty when the trigger is acceptable. The daemon rejects a trigger
 * with a non-empty answer, e.g. `environment may not set RUN_ID, JOB_NAME (run identity)`.
 */
export function identityViolations(triggerEnvironment: Readonly<Record<string, unknown>> | null | undefined): string[] {
  if (triggerEnvironment === null || triggerEnvironment === undefined) return [];
  return IDENTITY_VARIABLES.filter((name) => Object.prototype.hasOwnProperty.call(triggerEnvironment, name));
}

/** The daemon's own user, looked up once (each lookup reads the user database). */
let ownUser: { username: string; homedir: string } | null | undefined;

function lookUpUser(input: RunEnvironmentInput): { username: string; homedir: string } | null {
  if (input.user !== undefined) return input.user;
  if (ownUser !== undefined) return ownUser;
  try {
    const u = userInfo();
    ownUser = { username: u.username, homedir: u.homedir };
  } catch (err) {
    // No entry in the user database for our uid (containers): the original leaves both out.
    void err;
    ownUser = null;
  }
  return ownUser;
}

function addPrevious(env: Record<string, string>, prefix: string, run: FinishedRun | null | undefined): void {
  if (!run) return;
  env[`${prefix}RUN_ID`] = run.runId;
  env[`${prefix}SCHEDULE_TIME`] = pythonFloatText(run.scheduleTime);
  env[`${prefix}START_TIME`] = pythonFloatText(run.startTime);
  env[`${prefix}STOP_TIME`] = pythonFloatText(run.stopTime);
  env[`${prefix}EXIT_CODE`] = String(run.exitCode);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (err) {
    // Missing, unreadable parent, dangling link …: not a usable working directory.
    void err;
    return false;
  }
}

/**
 * The working directory a run uses: `PWD` from the merged environment when it names an existing
 * directory (a relative PWD is taken relative to RUN_DIR), else RUN_DIR.
 */
export function chooseWorkingDirectory(pwd: string | undefined, runDir: string): string {
  if (pwd === undefined || pwd === '') return runDir;
  const candidate = isAbsolute(pwd) ? pwd : resolve(runDir, pwd);
  return isDirectory(candidate) ? candidate : runDir;
}

/**
 * The complete environment of a run. `PWD` in the result is the working directory the run
 * will actually use (see {@link chooseWorkingDirectory}); pass the result to `startRun` as is.
 */
export function buildRunEnvironment(input: RunEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {};
  const user = lookUpUser(input);
  if (user) {
    env['LOGNAME'] = user.username;
    env['HOME'] = user.homedir;
  }
  env['PATH'] = input.daemonPath !== undefined && input.daemonPath !== '' ? input.daemonPath : DEFAULT_PATH;
  const jobDir = jobDirOf(input.dataDir, input.jobName);
  const runDir = runDirOf(input.dataDir, input.jobName, input.runId);
  env['CI'] = 'true';
  env['DSARI'] = 'true';
  env['DATA_DIR'] = input.dataDir;
  env['JOB_NAME'] = input.jobName;
  env['JOB_DIR'] = jobDir;
  env['RUN_ID'] = input.runId;
  env['RUN_DIR'] = runDir;
  env['SCHEDULE_TIME'] = pythonFloatText(input.scheduleTime);
  env['START_TIME'] = pythonFloatText(input.startTime);
  env['TRIGGER_TYPE'] = input.triggerType;
  env['TRIGGER_DIR'] = join(input.dataDir, 'trigger');
  if (input.concurrencyGroup) env['CONCURRENCY_GROUP'] = input.concurrencyGroup;
  addPrevious(env, 'PREVIOUS_', input.previousRuns?.last);
  addPrevious(env, 'PREVIOUS_GOOD_', input.previousRuns?.lastGood);
  addPrevious(env, 'PREVIOUS_BAD_', input.previousRuns?.lastBad);
  if (input.jobGroup) env['JOB_GROUP'] = input.jobGroup;
  if (input.jenkinsEnvironment) {
    env['BUILD_NUMBER'] = input.runId;
    env['BUILD_ID'] = input.runId;
    env['BUILD_URL'] = `file://${join(runDir, '/')}`;
    env['NODE_NAME'] = 'master';
    env['BUILD_TAG'] = `dsari-${input.jobName}-${input.runId}`;
    env['JENKINS_URL'] = `file://${join(input.dataDir, '/')}`;
    env['EXECUTOR_NUMBER'] = '0';
    env['WORKSPACE'] = runDir;
  }
  for (const layer of [input.globalEnvironment, input.jobEnvironment, input.triggerEnvironment, input.policyEnvironment]) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) env[key] = String(value);
  }
  env['PWD'] = chooseWorkingDirectory(env['PWD'], runDir);
  return env;
}
