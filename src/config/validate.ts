/**
 * From the merged raw configuration to a {@link Config}: top-level keys, concurrency groups,
 * jobs and job groups (SPEC §3). Nothing here reads files; nothing here mutates its input.
 */
import { isAbsolute, resolve } from 'node:path';
import { Checker, type Place } from './checker.js';
import { readDatabase } from './database.js';
import { readEnvironment } from './environment.js';
import { readHttp } from './http.js';
import { JOB_KEYS, readJob, type ScheduleCheck } from './job.js';
import type { Origins } from './merge.js';
import { nameProblem } from './names.js';
import { checkDependencies } from './policies.js';
import { readNotify } from './notify.js';
import { readRetention } from './retention.js';
import type { ConcurrencyGroupConfig, Config, JobConfig } from './types.js';
import { isMapping, type RawMapping } from './values.js';

/** Every top-level key. */
export const TOP_LEVEL_KEYS = [
  'config_d',
  'data_dir',
  'database',
  'environment',
  'shutdown_kill_runs',
  'shutdown_kill_grace',
  'template_dir',
  'report_html_gz',
  'report_run_output_start',
  'report_run_output_end',
  'jobs',
  'job_groups',
  'concurrency_groups',
  'notify',
  'retention',
  'http',
] as const;

const GROUP_KEYS: readonly string[] = [...JOB_KEYS, 'job_names'];

export interface ValidateOptions {
  readonly configDir: string;
  /** Data directory when `data_dir` is not set (SPEC §2). */
  readonly defaultDataDir: string;
  /** The config.d directory actually used (already resolved). */
  readonly configD: string;
  readonly origins: Origins;
  readonly files: readonly string[];
  /** Warnings found while reading (duplicate keys …), kept in front of validation's own. */
  readonly readWarnings?: readonly string[];
  readonly scheduleCheck?: ScheduleCheck | undefined;
}

/** A path from the configuration, resolved against the configuration directory when relative. */
export function resolvePath(configDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(configDir, p);
}

/**
 * Validates the merged raw configuration into a Config (not yet frozen).
 * @throws ConfigError naming the file, job and key
 */
export function validateConfig(raw: RawMapping, options: ValidateOptions): Config {
  const check = new Checker(options.origins);
  check.warnings.push(...(options.readWarnings ?? []));
  const top: Place = { path: [] };
  check.unknownKeys(top, raw, TOP_LEVEL_KEYS);

  check.path(top, raw, 'config_d'); // type-checked here; resolved by the loader
  const dataDirRaw = check.path(top, raw, 'data_dir');
  const dataDir = dataDirRaw === undefined || dataDirRaw === null ? options.defaultDataDir : resolvePath(options.configDir, dataDirRaw);
  const templateDirRaw = check.path(top, raw, 'template_dir', true);
  const templateDir = templateDirRaw === undefined || templateDirRaw === null ? null : resolvePath(options.configDir, templateDirRaw);

  const concurrencyGroups = readConcurrencyGroups(check, raw['concurrency_groups']);
  const jobs = readJobs(check, raw, options.scheduleCheck);
  for (const job of jobs.values()) {
    for (const g of job.concurrencyGroups) {
      if (!concurrencyGroups.has(g)) concurrencyGroups.set(g, { name: g, max: 1 });
    }
  }

  return {
    configDir: options.configDir,
    configD: options.configD,
    dataDir,
    database: readDatabase(check, raw['database'], options.configDir, dataDir),
    environment: readEnvironment(check, top, raw, 'environment'),
    shutdownKillRuns: check.bool(top, raw, 'shutdown_kill_runs', false),
    shutdownKillGrace: check.seconds(top, raw, 'shutdown_kill_grace', true) ?? null,
    templateDir,
    reportHtmlGz: check.bool(top, raw, 'report_html_gz', false),
    reportRunOutputStart: check.integer(top, raw, 'report_run_output_start', 0, 'a number of characters') ?? 0,
    reportRunOutputEnd: check.integer(top, raw, 'report_run_output_end', 0, 'a number of characters') ?? 0,
    jobs: sortedMap(jobs),
    concurrencyGroups: sortedMap(concurrencyGroups),
    raw,
    warnings: check.warnings,
    files: options.files,
    notify: readNotify(check, top, raw) ?? [],
    retention: readRetention(check, top, raw),
    http: readHttp(check, raw['http'], options.configDir),
  };
}

function sortedMap<V>(m: Map<string, V>): Map<string, V> {
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function section(check: Checker, raw: unknown, key: string, expected: string): RawMapping {
  if (raw === undefined || raw === null) return {};
  if (!isMapping(raw)) return check.wrongType({ path: [] }, [key], expected, raw);
  return raw;
}

function readConcurrencyGroups(check: Checker, raw: unknown): Map<string, ConcurrencyGroupConfig> {
  const groups = new Map<string, ConcurrencyGroupConfig>();
  const defs = section(check, raw, 'concurrency_groups', 'a mapping of group names to {max: N}');
  for (const name of Object.keys(defs)) {
    const place: Place = { path: ['concurrency_groups', name], scope: `concurrency group ${JSON.stringify(name)}` };
    const problem = nameProblem(name);
    if (problem !== null) check.fail(place, [], `invalid name: ${problem}`);
    const def = defs[name];
    let max = 1;
    if (def !== null && def !== undefined) {
      if (!isMapping(def)) check.wrongType(place, [], 'a mapping such as {max: 2}', def);
      check.unknownKeys(place, def, ['max']);
      max = check.integer(place, def, 'max', 1) ?? 1;
    }
    groups.set(name, { name, max });
  }
  return groups;
}

function readJobs(check: Checker, raw: RawMapping, scheduleCheck: ScheduleCheck | undefined): Map<string, JobConfig> {
  const jobs = new Map<string, JobConfig>();
  const places = new Map<string, Place>();
  const defs = section(check, raw['jobs'], 'jobs', 'a mapping of job names to job definitions');
  for (const name of Object.keys(defs)) {
    const place: Place = { path: ['jobs', name], scope: `job ${JSON.stringify(name)}`, job: name };
    const def = defs[name];
    if (!isMapping(def)) return check.wrongType(place, [], 'a job definition (a mapping with at least "command")', def);
    check.unknownKeys(place, def, JOB_KEYS);
    jobs.set(name, readJob(check, place, name, def, null, scheduleCheck));
    places.set(name, place);
  }

  const groupDefs = section(check, raw['job_groups'], 'job_groups', 'a mapping of job group names to job definitions with job_names');
  const groupOf = new Map<string, string>();
  for (const groupName of Object.keys(groupDefs)) {
    const groupPlace: Place = { path: ['job_groups', groupName], scope: `job group ${JSON.stringify(groupName)}` };
    const problem = nameProblem(groupName);
    if (problem !== null) check.fail(groupPlace, [], `invalid name: ${problem}`);
    const def = groupDefs[groupName];
    if (!isMapping(def)) return check.wrongType(groupPlace, [], 'a job definition with job_names', def);
    check.unknownKeys(groupPlace, def, GROUP_KEYS);
    const names = def['job_names'];
    if (names === undefined) check.fail(groupPlace, ['job_names'], 'required (the list of job names this group defines)');
    if (!Array.isArray(names)) return check.wrongType(groupPlace, ['job_names'], 'a list of job names', names);
    names.forEach((jobName: unknown, i) => {
      if (typeof jobName !== 'string') {
        return check.wrongType(groupPlace, ['job_names', `item ${i + 1}`], 'a job name', jobName);
      }
      if (jobs.has(jobName)) {
        const other = groupOf.get(jobName);
        const where = other === undefined ? 'in jobs' : `in job group ${JSON.stringify(other)}`;
        return check.fail(groupPlace, ['job_names'], `job ${JSON.stringify(jobName)} is also defined ${where}`);
      }
      const place: Place = { ...groupPlace, scope: `job ${JSON.stringify(jobName)} (job group ${JSON.stringify(groupName)})`, job: jobName };
      // The group's own mapping is read (job_names is not a job key, so it is simply not used).
      jobs.set(jobName, readJob(check, place, jobName, def, groupName, scheduleCheck));
      places.set(jobName, place);
      groupOf.set(jobName, groupName);
      return undefined;
    });
  }
  checkDependencies(check, jobs, (job) => places.get(job) ?? { path: ['jobs', job], scope: `job ${JSON.stringify(job)}`, job });
  return jobs;
}
