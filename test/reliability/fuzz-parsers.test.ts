/**
 * Hostile input to the parsers (docs/RELIABILITY.md, "Hostile and bad input"): the config
 * loader, the cron and RRULE compiler, the trigger-file reader and the command splitter. For
 * arbitrary input each either succeeds or throws a DsariError with a non-empty message —
 * never a TypeError, a RangeError (stack overflow) or a hang.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { splitCommand, joinCommand } from '../../src/config/command.js';
import { JOB_KEYS } from '../../src/config/job.js';
import { TOP_LEVEL_KEYS } from '../../src/config/validate.js';
import { readTrigger, type TriggerParseContext } from '../../src/daemon/trigger-file.js';
import { DsariError } from '../../src/errors.js';
import { IDENTITY_VARIABLES, identityViolations } from '../../src/executor/environment.js';
import { compileSchedule, isValidZone, parseDateTime } from '../../src/schedule/index.js';
import { makeTempDir } from '../helpers/index.js';

/** Runs `fn`; passes when it returns or throws a DsariError with a message; returns what was thrown. */
function onlyDsariErrors(fn: () => unknown): unknown {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof DsariError)) {
      throw new Error(`threw a non-DsariError: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
    }
    expect(err.message.trim().length).toBeGreaterThan(0);
    return err;
  }
}

const RUNS = { numRuns: 150 };

/** JSON-like values, including the awkward ones YAML and JSON can express. */
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '-x', '..', '../../etc', '/', 'a\0b', '\u202e', 'H H * * *', '1h', 'PT1H'),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('config loader on arbitrary documents', () => {
  let tmp: { path: string; cleanup: () => void };
  let n = 0;
  beforeAll(() => {
    tmp = makeTempDir('dsari-fuzz-config-');
  });
  afterAll(() => tmp.cleanup());

  /** Writes `text` as the only configuration file of a fresh directory and loads it. */
  function load(file: 'dsari.yaml' | 'dsari.json', text: string | Buffer): unknown {
    const dir = join(tmp.path, `c${n++}`);
    mkdirSync(dir);
    writeFileSync(join(dir, file), text);
    try {
      return onlyDsariErrors(() => loadConfig({ configDir: dir, env: { HOME: tmp.path } }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('arbitrary text as dsari.yaml and as dsari.json', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))), (text) => {
        load('dsari.yaml', text);
        load('dsari.json', text);
      }),
      RUNS,
    );
  });

  it('arbitrary values in every top-level, job, job-group and concurrency-group key', () => {
    const jobKeys = fc.dictionary(fc.constantFrom(...JOB_KEYS, 'job_names', 'bogus'), anyValue, { maxKeys: 6 });
    const doc = fc.record(
      {
        top: fc.dictionary(fc.constantFrom(...TOP_LEVEL_KEYS.filter((k) => k !== 'data_dir' && k !== 'config_d')), anyValue, { maxKeys: 5 }),
        jobName: fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('-rf', '..', '.', 'a/b', 'a\0b', 'x'.repeat(300), 'ok')),
        job: jobKeys,
        group: jobKeys,
        cg: anyValue,
      },
      { requiredKeys: ['top', 'jobName', 'job'] },
    );
    fc.assert(
      fc.property(doc, fc.boolean(), (d, asJson) => {
        const raw: Record<string, unknown> = { ...d.top, data_dir: join(tmp.path, 'data') };
        raw['jobs'] = { [d.jobName]: { command: ['true'], ...d.job } };
        if (d.group !== undefined) raw['job_groups'] = { g: d.group };
        if (d.cg !== undefined) raw['concurrency_groups'] = d.cg;
        if (asJson) load('dsari.json', JSON.stringify(raw));
        else load('dsari.yaml', toYaml(raw));
      }),
      RUNS,
    );
  });

  it('hostile YAML: billion laughs, deep nesting, huge numbers, tags', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const cases = [
      `${laughs.join('\n')}\njobs: {x: {command: [true]}}`,
      `jobs: ${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      `jobs:\n  x:\n    command: [true]\n    environment: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}`,
      'jobs: {x: {command: [true], max_execution: 1e400}}',
      'jobs: {x: {command: !!binary aGVsbG8=}}',
      'jobs: {x: {command: [true], schedule: !!js/function "function(){}"}}',
      '%YAML 9.9\n---\njobs: {}',
      '--- a\n--- b\n',
    ];
    for (const c of cases) load('dsari.yaml', c);
    load('dsari.json', `{"jobs":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  });

  it('a job name starting with "-" is a configuration error naming the job', () => {
    const err = load('dsari.yaml', 'jobs:\n  "-rf":\n    command: [true]\n');
    expect(err).toBeInstanceOf(DsariError);
    expect((err as Error).message).toContain('-rf');
  });

  it.each([['..'], ['.'], ['a/b'], ['../../etc'], ['a\0b'], ['x'.repeat(300)], ['-x'], ['a\nb']])(
    'job name %j cannot make a path leave DATA_DIR: it is refused',
    (name) => {
      for (const where of ['jobs', 'job_groups']) {
        const raw = where === 'jobs' ? { jobs: { [name]: { command: ['true'] } } } : { job_groups: { g: { command: ['true'], job_names: [name] } } };
        const err = load('dsari.json', JSON.stringify(raw));
        expect(err, `${where}: ${JSON.stringify(name)}`).toBeInstanceOf(DsariError);
      }
    },
  );
});

describe('compileSchedule on arbitrary expressions', () => {
  const zones = fc.constantFrom('UTC', 'Europe/Lisbon', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/Havana');
  const cronField = fc.oneof(
    fc.constantFrom('*', 'H', 'R', 'H(0-5)', 'R(1-3)', 'H/7', '*/0', '*/61', '0', '59', '60', '-1', '1-0', '5-1/2', 'L', '?', '#', 'MON-FRI', 'JAN', 'feb', '31', '29', '30', '1,2,3', ',', '', '9999999999999999', '0x10'),
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -100, max: 100 }).map(String),
  );
  const cron = fc.array(cronField, { minLength: 0, maxLength: 8 }).map((f) => f.join(' '));
  const rruleParts = fc.constantFrom(
    'FREQ=DAILY',
    'FREQ=SECONDLY',
    'FREQ=YEARLY',
    'FREQ=BOGUS',
    'INTERVAL=0',
    'INTERVAL=-1',
    'INTERVAL=1000000',
    'COUNT=0',
    'COUNT=3',
    'UNTIL=19700101T000000Z',
    'UNTIL=nonsense',
    'BYMONTH=2',
    'BYMONTHDAY=30',
    'BYMONTHDAY=31',
    'BYHOUR=25',
    'BYHOUR=1',
    'BYMINUTE=30',
    'BYDAY=MO',
    'BYDAY=XX',
    'BYSETPOS=400',
    'DTSTART=20200101T000000',
    'WKST=ZZ',
    '',
    '=',
    ';;',
  );
  const rrule = fc.array(rruleParts, { maxLength: 6 }).map((p) => `RRULE:${p.join(';')}`);
  const any = fc.oneof(cron, rrule, fc.string(), fc.constantFrom('@daily', '@hourly', '@yearly', '@reboot', '@bogus', '@', 'RRULE:', 'rrule:FREQ=DAILY'));

  it('compiles or throws a DsariError; next() answers or throws a DsariError, in bounded time', () => {
    fc.assert(
      fc.property(any, zones, fc.integer({ min: 0, max: 4_000_000_000 }), (expr, timezone, after) => {
        let sched: ReturnType<typeof compileSchedule> | null = null;
        onlyDsariErrors(() => {
          sched = compileSchedule(expr, { jobName: 'fuzz', timezone, random: () => 0.5 });
        });
        if (sched === null) return;
        const s: ReturnType<typeof compileSchedule> = sched;
        const t0 = performance.now();
        onlyDsariErrors(() => {
          const next = s.next(after);
          if (next !== null) {
            expect(Number.isFinite(next)).toBe(true);
            expect(next).toBeGreaterThan(after);
          }
        });
        // Bounded, not fast: RRULE FREQ=SECONDLY walks up to a day of seconds per next() (~1.6 s
        // on the 2-core machine; a known limit in docs/RELIABILITY.md).
        expect(performance.now() - t0).toBeLessThan(15_000);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['0 1 30 3 *', 'Europe/Lisbon'],
    ['0 2 29 2 1', 'America/Havana'],
    ['0 0 31 2 *', 'UTC'],
    ['0 0 30 2 *', 'UTC'],
    ['30 2 * 3 0', 'Europe/Berlin'],
    ['0 0 29 2 1', 'UTC'],
    ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'UTC'],
    ['RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYMONTH=3;BYMONTHDAY=29,30,31;BYDAY=SU', 'Europe/Berlin'],
  ])('%s in %s: a time or a ScheduleError, within 3 s, never a hang', (expr, timezone) => {
    const t0 = performance.now();
    onlyDsariErrors(() => {
      const s = compileSchedule(expr, { jobName: 'dst', timezone });
      let t = 1_700_000_000;
      for (let i = 0; i < 3; i++) {
        const n = s.next(t);
        if (n === null) break;
        expect(n).toBeGreaterThan(t);
        t = n;
      }
    });
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('an unknown or hostile time zone is a ScheduleError', () => {
    for (const tz of ['', 'Mars/Olympus', '../../etc/passwd', 'UTC\0', 'x'.repeat(10_000)]) {
      expect(onlyDsariErrors(() => compileSchedule('* * * * *', { jobName: 'z', timezone: tz }))).toBeInstanceOf(DsariError);
    }
  });
});

describe('trigger-file reader on arbitrary content', () => {
  const ctx: TriggerParseContext = {
    mtime: 1_700_000_000,
    localZone: 'UTC',
    parseDateTime,
    isValidZone,
    identityViolations: (env) => identityViolations(env),
  };

  it('arbitrary text (JSON and YAML): a trigger, or a DsariError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), anyValue.map((v) => JSON.stringify(v) ?? 'null')), fc.constantFrom('json' as const, 'yaml' as const), (text, kind) => {
        onlyDsariErrors(() => readTrigger(text, kind, ctx));
      }),
      RUNS,
    );
  });

  it('arbitrary values in every trigger key', () => {
    const trig = fc.dictionary(fc.constantFrom('type', 'description', 'environment', 'schedule_time', 'schedule_timezone', 'other'), anyValue, { maxKeys: 5 });
    fc.assert(
      fc.property(trig, fc.boolean(), (t, asYaml) => {
        const text = asYaml ? toYaml(t) : JSON.stringify(t);
        onlyDsariErrors(() => {
          const parsed = readTrigger(text, asYaml ? 'yaml' : 'json', ctx);
          expect(Number.isFinite(parsed.scheduleTime)).toBe(true);
          // What is accepted can be stored.
          expect(() => JSON.stringify(parsed.triggerData)).not.toThrow();
          for (const [k, v] of Object.entries(parsed.environment)) {
            expect(typeof v).toBe('string');
            expect(k).not.toContain('=');
          }
        });
      }),
      RUNS,
    );
  });

  it('deep nesting, YAML bombs, lists, bad environment and identity overrides are refused', () => {
    const d = 100_000;
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const refused: Array<[string, 'json' | 'yaml']> = [
      [`${'['.repeat(d)}${']'.repeat(d)}`, 'json'],
      [`{"description":${'['.repeat(d)}${']'.repeat(d)}}`, 'json'],
      [`{"x":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`, 'json'],
      [`description: ${'['.repeat(d)}${']'.repeat(d)}`, 'yaml'],
      [bomb.join('\n'), 'yaml'],
      ['[1, 2]', 'json'],
      ['- a\n- b\n', 'yaml'],
      ['{"environment": 5}', 'json'],
      ['{"environment": "FOO=1"}', 'json'],
      ['{"environment": {"A": {"b": 1}}}', 'json'],
      ['{"schedule_time": "not a time"}', 'json'],
      ['{"schedule_time": "2024-13-45T99:99:99"}', 'json'],
      ['{"schedule_time": 1e400}', 'json'],
      ['{"schedule_time": true}', 'json'],
      ['{"schedule_timezone": "Mars/Base"}', 'json'],
      ...IDENTITY_VARIABLES.map((v): [string, 'json'] => [JSON.stringify({ environment: { [v]: 'evil' } }), 'json']),
    ];
    for (const [text, kind] of refused) {
      const t0 = performance.now();
      const err = onlyDsariErrors(() => readTrigger(text, kind, ctx));
      expect(err, text.slice(0, 60)).toBeInstanceOf(DsariError);
      // 100 000 levels of YAML flow nesting cost the yaml package a few seconds (a known limit).
      expect(performance.now() - t0).toBeLessThan(15_000);
    }
  });
});

describe('splitCommand on arbitrary strings', () => {
  it('splits or throws a DsariError; never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[ '"\\a\t\n]{0,30}$/)), (line) => {
        onlyDsariErrors(() => {
          const words = splitCommand(line);
          for (const w of words) expect(typeof w).toBe('string');
        });
      }),
      { numRuns: 500 },
    );
  });

  it('joinCommand ∘ splitCommand is the identity on argv', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 6 }), (argv) => {
        expect(splitCommand(joinCommand(argv))).toEqual(argv);
      }),
      { numRuns: 300 },
    );
  });

  it('a huge command line splits in bounded time', () => {
    const t0 = performance.now();
    expect(splitCommand('a '.repeat(500_000)).length).toBe(500_000);
    expect(onlyDsariErrors(() => splitCommand(`"${'x'.repeat(1_000_000)}`))).toBeInstanceOf(DsariError);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
