/**
 * `dsari simulate` (SPEC-BEYOND §15): runs the daemon's scheduler core on a virtual clock over a
 * window with the configuration as it stands, and reports what would run, wait and be skipped.
 */
import { createWriteStream, existsSync, openSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { errorMessage, UsageError } from '../errors.js';
import { isValidZone, localZone, parseDateTime } from '../schedule/time.js';
import { DEFAULT_DURATION, MAX_EVENTS, MAX_WINDOW_SECONDS, parseDurationSpec, parseSeconds, renderHtml, renderJson, renderText, simulate } from '../simulate/index.js';
import type { RunStore } from '../store/types.js';
import { collect, newCommand, withGlobalOptions } from './common.js';
import { loadContext, openStore } from './context.js';

interface SimulateCliOptions {
  from: string;
  until: string;
  job?: string[];
  durations?: string[];
  defaultDuration: string;
  seed: number;
  timezone?: string;
  format: 'text' | 'json' | 'html';
  output?: string;
  history: boolean;
  daemonStart?: boolean;
  pauses: boolean;
  failureRate?: string[];
}

/** `JOB=RATE` entries of --failure-rate: a share from 0 to 1, or a percentage ("20%"). */
function parseFailureRates(values: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const value of values) {
    const m = /^(.+)=\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$/.exec(value);
    const rate = m === null ? NaN : Number(m[2]) / (m[3] === '%' ? 100 : 1);
    if (m === null || !(rate >= 0 && rate <= 1)) throw new UsageError(`--failure-rate "${value}": expected JOB=RATE with RATE from 0 to 1 or 0% to 100%`);
    out.set(m[1] as string, rate);
  }
  return out;
}

function parseSeed(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('expected a whole number from 0 to 999999999');
  return Number(value);
}

function parseZone(value: string): string {
  if (!isValidZone(value)) throw new InvalidArgumentError(`unknown time zone "${value}" (expected an IANA name like Europe/Berlin)`);
  return value;
}

/** A time option: ISO 8601 (naive = in `zone`), epoch seconds, `now`, or `+DURATION` after `base`. */
function readTime(value: string, option: string, zone: string, base: number): number {
  const text = value.trim();
  if (text === 'now') return Date.now() / 1000;
  if (text.startsWith('+')) return base + parseSeconds(text.slice(1), option);
  try {
    return parseDateTime(text, zone);
  } catch (err) {
    throw new UsageError(`${option}: ${errorMessage(err)} (or "now", or +DURATION like +24h)`, { cause: err });
  }
}

/** `dsari simulate`. */
export function simulateCommand(name = 'simulate'): Command {
  return withGlobalOptions(newCommand(name, 'simulate the schedule over a time window: what would run, wait and be skipped'))
    .requiredOption('--from <time>', 'start of the window: ISO 8601 (naive = in --timezone), epoch seconds, "now" or +DURATION from now')
    .requiredOption('--until <time>', 'end of the window: like --from, +DURATION counts from --from (e.g. +7d)')
    .option('--job <name>', 'simulate only this job (repeatable; the others are left out, also from their groups)', collect)
    .option('--durations <spec>', 'run durations: history (median, default), p95, SECONDS for every job, or JOB=SECONDS (repeatable)', collect)
    .option('--default-duration <seconds>', 'duration of a job without history', String(DEFAULT_DURATION))
    .option('--no-history', 'do not read the run store (every job gets --default-duration unless given)')
    .option('--daemon-start', 'as if the daemon started at --from: fires missed since the last recorded ones are caught up (catchup)')
    .option('--no-pauses', 'ignore the pauses set with dsari pause')
    .option('--failure-rate <job=rate>', "this share of the job's runs fail, instead of its history's (0.2 or 20%; repeatable)", collect)
    .option('--seed <n>', 'seed of the simulated randomness (group choice, R in schedules, failures)', parseSeed, 1)
    .option('--timezone <zone>', 'zone for naive --from/--until and the report (default: local)', parseZone)
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'html']).default('text'))
    .option('--output <file>', 'write the report to this file instead of stdout')
    .addHelpText(
      'after',
      `
The scheduler core of the daemon runs on a virtual clock: schedules with their zones and DST,
concurrency groups, overlap, retries, dependencies and pauses decide as they would in the
daemon. Runs last their job's median (or p95) duration from the run store, which is only read,
and fail as often as they did there (retries follow). A window is at most
${MAX_WINDOW_SECONDS / 86_400} days; a simulation stops with an error after ${MAX_EVENTS.toLocaleString('en-US')} events.

Examples:
  dsari simulate --from 2026-12-07 --until +7d
  dsari simulate --from now --until +24h --durations p95 --format html --output week.html
  dsari simulate --from 2026-12-07T02:00 --until +2h --durations 60 --durations backup=45m`,
    )
    .action(async (opts: SimulateCliOptions, cmd: Command) => {
      const zone = opts.timezone ?? localZone();
      const from = readTime(opts.from, '--from', zone, Date.now() / 1000);
      const until = readTime(opts.until, '--until', zone, from);
      const durations = parseDurationSpec(opts.durations ?? [], parseSeconds(opts.defaultDuration, '--default-duration'));
      const failureRates = parseFailureRates(opts.failureRate ?? []);
      if (opts.daemonStart === true && !opts.history) throw new UsageError('--daemon-start catches up from the last fires recorded in the run store; it cannot go with --no-history');
      const ctx = loadContext(cmd);
      // Opened before simulating: a long simulation should not end in "cannot write".
      let fd: number | null = null;
      if (opts.output !== undefined) {
        try {
          fd = openSync(opts.output, 'w');
        } catch (err) {
          throw new UsageError(`cannot write --output ${opts.output}: ${errorMessage(err)}`, { cause: err });
        }
      }
      let store: RunStore | null = null;
      // A SQLite store that does not exist yet has no history; opening it would create it.
      const noFile = ctx.config.database.type === 'sqlite3' && !existsSync(ctx.config.database.file);
      if (opts.history && !noFile) store = await openStore(ctx);
      if (opts.history && noFile && ctx.config.database.type === 'sqlite3') {
        process.stderr.write(`${cmd.name()}: no run store at ${ctx.config.database.file} yet: jobs without a given duration last ${opts.defaultDuration} s\n`);
      }
      let result;
      try {
        result = await simulate({ config: ctx.config, store, from, until, jobs: opts.job ?? [], durations, seed: opts.seed, zone, daemonStart: opts.daemonStart === true, pauses: opts.pauses, failureRates });
      } finally {
        await store?.close();
      }
      const out: Writable = fd === null ? process.stdout : createWriteStream('', { fd });
      if (opts.format === 'json') {
        for (const piece of renderJson(result)) {
          if (!out.write(piece)) await once(out, 'drain');
        }
      } else {
        out.write(opts.format === 'html' ? renderHtml(result) : renderText(result));
      }
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
    });
}
