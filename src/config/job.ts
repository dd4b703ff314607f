/**
 * One job's keys (SPEC §3 job table): types, defaults and validation into a {@link JobConfig}.
 */
import { DsariError } from '../errors.js';
import { isValidZone } from '../schedule/time.js';
import type { Checker, Place } from './checker.js';
import { CommandSplitError, splitCommand } from './command.js';
import { readEnvironment } from './environment.js';
import { nameProblem } from './names.js';
import { POLICY_KEYS, readPolicies } from './policies.js';
import { readNotify } from './notify.js';
import { readRetention } from './retention.js';
import type { JobConfig } from './types.js';
import { describeValue, type RawMapping } from './values.js';

/** Every key a job accepts. */
export const JOB_KEYS = [
  'command',
  'command_append_run',
  'schedule',
  'schedule_timezone',
  'environment',
  'max_execution',
  'max_execution_grace',
  'concurrency_groups',
  'render_reports',
  'jenkins_environment',
  'job_group',
  'concurrent_runs',
  ...POLICY_KEYS,
  'notify',
  'retention',
] as const;

/** Default of `max_execution_grace`, seconds. */
export const DEFAULT_MAX_EXECUTION_GRACE = 60;

/** Checks that a schedule compiles; throws a ScheduleError (or any DsariError) when not. */
export type ScheduleCheck = (expression: string, jobName: string, timezone: string | null) => void;

/**
 * Validates a job definition. `place.path` points at the mapping the keys come from (the job, or
 * its job group).
 * @throws ConfigError naming file, job and key
 */
export function readJob(
  check: Checker,
  place: Place,
  name: string,
  raw: RawMapping,
  jobGroup: string | null,
  scheduleCheck: ScheduleCheck | undefined,
): JobConfig {
  const problem = nameProblem(name);
  if (problem !== null) check.fail(place, [], `invalid job name ${JSON.stringify(name)}: ${problem}`);

  const command = readCommand(check, place, raw);
  const schedule = readSchedule(check, place, raw);
  const zone = check.string(place, raw, 'schedule_timezone', true) ?? null;
  if (zone !== null && !isValidZone(zone)) {
    check.fail(place, ['schedule_timezone'], `unknown time zone ${JSON.stringify(zone)} (expected an IANA name such as "Europe/Berlin" or "UTC")`);
  }
  if (schedule !== null && scheduleCheck !== undefined) {
    try {
      scheduleCheck(schedule, name, zone);
    } catch (err) {
      if (!(err instanceof DsariError)) throw err;
      const quoted = JSON.stringify(schedule);
      const message = err.message.startsWith(quoted) ? err.message : `${quoted}: ${err.message}`;
      check.fail(place, ['schedule'], message, ['schedule'], err);
    }
  }
  const explicitGroup = check.string(place, raw, 'job_group', true) ?? null;
  const notify = readNotify(check, place, raw);
  const retention = readRetention(check, place, raw);
  return {
    ...(notify === undefined ? {} : { notify }),
    ...(Object.keys(retention).length === 0 ? {} : { retention }),
    name,
    command,
    commandAppendRun: check.bool(place, raw, 'command_append_run', false),
    schedule,
    scheduleTimezone: zone,
    environment: readEnvironment(check, place, raw, 'environment'),
    maxExecution: check.seconds(place, raw, 'max_execution', true) ?? null,
    maxExecutionGrace: check.seconds(place, raw, 'max_execution_grace', false) ?? DEFAULT_MAX_EXECUTION_GRACE,
    concurrencyGroups: readGroupList(check, place, raw),
    renderReports: check.bool(place, raw, 'render_reports', true),
    jenkinsEnvironment: check.bool(place, raw, 'jenkins_environment', false),
    jobGroup: jobGroup ?? explicitGroup,
    ...readPolicies(check, place, raw),
  };
}

function readCommand(check: Checker, place: Place, raw: RawMapping): string[] {
  const v = raw['command'];
  if (v === undefined || v === null) {
    return check.fail(place, ['command'], 'required (a list of arguments, or a command line)');
  }
  let argv: string[];
  if (typeof v === 'string') {
    try {
      argv = splitCommand(v);
    } catch (err) {
      if (!(err instanceof CommandSplitError)) throw err;
      return check.fail(place, ['command'], `cannot split ${JSON.stringify(v)}: ${err.message}`, ['command'], err);
    }
  } else if (Array.isArray(v)) {
    argv = v.map((item: unknown, i) => {
      if (typeof item !== 'string') {
        return check.fail(place, ['command', `item ${i + 1}`], `expected a string, found ${describeValue(item)}`, ['command']);
      }
      return item;
    });
  } else {
    return check.wrongType(place, ['command'], 'a list of arguments or a command line', v);
  }
  if (argv.length === 0) return check.fail(place, ['command'], 'the command is empty');
  if (argv[0] === '') return check.fail(place, ['command'], 'the program (first argument) is an empty string');
  return argv;
}

function readSchedule(check: Checker, place: Place, raw: RawMapping): string | null {
  const v = check.string(place, raw, 'schedule', true);
  if (v === undefined || v === null) return null;
  if (v.trim() === '') return check.fail(place, ['schedule'], 'the schedule is empty (use null for a job run only by triggers)');
  return v;
}

function readGroupList(check: Checker, place: Place, raw: RawMapping): string[] {
  const v = raw['concurrency_groups'];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return check.wrongType(place, ['concurrency_groups'], 'a list of concurrency group names', v);
  const names = new Set<string>();
  v.forEach((item: unknown, i) => {
    if (typeof item !== 'string') {
      check.fail(place, ['concurrency_groups', `item ${i + 1}`], `expected a concurrency group name, found ${describeValue(item)}`, ['concurrency_groups']);
    }
    const problem = nameProblem(item);
    if (problem !== null) {
      check.fail(place, ['concurrency_groups'], `invalid concurrency group name ${JSON.stringify(item)}: ${problem}`);
    }
    names.add(item);
  });
  return [...names].sort();
}
