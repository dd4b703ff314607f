import { InvalidArgumentError, Option, type Command } from 'commander';
import { DateTimeError } from '../errors.js';
import { compileSchedule } from '../schedule/index.js';
import { formatIso, isValidZone, localZone, parseDateTime } from '../schedule/time.js';
import { newCommand } from './common.js';

interface ScheduleCliOptions {
  job: string;
  from?: string;
  timezone?: string;
  n: number;
  format: 'text' | 'json';
}

const MAX_COUNT = 100_000;

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_COUNT}`);
  }
  return Number(value);
}

function parseZone(value: string): string {
  if (!isValidZone(value)) throw new InvalidArgumentError(`unknown time zone "${value}" (expected an IANA name like Europe/Berlin)`);
  return value;
}

/** `dsari schedule EXPR`: prints the next fire times of a schedule expression (SPEC §4). */
export function scheduleCommand(name = 'schedule'): Command {
  const cmd = newCommand(name, 'print the next fire times of a schedule expression')
    .argument('<expr>', 'cron or RRULE expression (quote it)')
    .option('--job <name>', 'job name the H/R hashing is seeded with', '')
    .option('--from <time>', 'start after this time: ISO 8601 (naive = in --timezone) or epoch seconds (default: now)')
    .option('--timezone <zone>', 'IANA zone to evaluate in (default: local)', parseZone)
    .option('-n <count>', 'how many fire times', parseCount, 5)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      '\nEach time is computed from the previous one. Text output: one ISO 8601 time with offset and\n' +
        'milliseconds per line; JSON: [{"time": "...", "epoch": seconds}, ...].\n\n' +
        'Example:\n  dsari schedule "H 3 * * *" --job backup --timezone Europe/Berlin -n 3\n',
    );
  return cmd.action((expr: string, opts: ScheduleCliOptions) => {
    const zone = opts.timezone ?? localZone();
    let from: number;
    try {
      from = opts.from === undefined ? Date.now() / 1000 : parseDateTime(opts.from, zone);
    } catch (err) {
      if (err instanceof DateTimeError) cmd.error(`error: option '--from <time>': ${err.message}`, { exitCode: 2, code: 'dsari.badFrom' });
      throw err;
    }
    const schedule = compileSchedule(expr, { jobName: opts.job, timezone: zone });
    const times: number[] = [];
    let t: number | null = from;
    while (times.length < opts.n) {
      t = schedule.next(t);
      if (t === null) break;
      times.push(t);
    }
    if (opts.format === 'json') {
      process.stdout.write(`${JSON.stringify(times.map((x) => ({ time: formatIso(x, zone, 3), epoch: x })), null, 2)}\n`);
    } else {
      process.stdout.write(times.map((x) => `${formatIso(x, zone, 3)}\n`).join(''));
    }
  });
}
