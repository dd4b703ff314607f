import { describe, expect, it } from 'vitest';
import { readTrigger, TriggerContentError, type TriggerParseContext } from '../../src/daemon/trigger-file.js';

const IDENTITY = ['JOB_NAME', 'RUN_ID', 'RUN_DIR', 'JOB_DIR', 'DATA_DIR', 'TRIGGER_TYPE', 'SCHEDULE_TIME', 'START_TIME'];

const ctx: TriggerParseContext = {
  mtime: 1000.5,
  localZone: 'UTC',
  // A stand-in with the same contract as schedule/time.ts parseDateTime for the cases here.
  parseDateTime(value, zone) {
    if (typeof value === 'number') return value;
    const offset = zone === 'Europe/Berlin' ? 3600 : 0;
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(Z)?$/.exec(value);
    if (!m) throw new Error(`time "${value}" is not ISO 8601`);
    return Date.parse(`${m[1]}Z`) / 1000 - (m[2] ? 0 : offset);
  },
  isValidZone: (z) => ['UTC', 'Europe/Berlin'].includes(z),
  identityViolations: (env) => IDENTITY.filter((k) => k in env),
};

function reason(text: string, kind: 'json' | 'yaml' = 'json'): { message: string; incomplete: boolean } {
  try {
    readTrigger(text, kind, ctx);
  } catch (e) {
    if (e instanceof TriggerContentError) return { message: e.message, incomplete: e.incomplete };
    throw e;
  }
  throw new Error('accepted');
}

describe('trigger content (SPEC §5.2)', () => {
  it('an empty mapping runs at the file modification time', () => {
    expect(readTrigger('{}', 'json', ctx)).toEqual({ scheduleTime: 1000.5, triggerData: {}, environment: {} });
  });

  it('keeps type, description and unknown keys; normalises environment values to text', () => {
    const t = readTrigger('{"type":"git","description":"d","extra":[1],"environment":{"A":"x","N":5,"F":1.5}}', 'json', ctx);
    expect(t.triggerData).toEqual({ type: 'git', description: 'd', extra: [1], environment: { A: 'x', N: '5', F: '1.5' } });
    expect(t.environment).toEqual({ A: 'x', N: '5', F: '1.5' });
  });

  it('a JSON whole number written as a float becomes the text Python gave it ("1.0", "1000.0")', () => {
    const t = readTrigger('{"environment": {"A": 1.0, "B": 3, "C": 1e3, "D": 2.50, "S": "1.0"}, "n": 1.0}', 'json', ctx);
    expect(t.environment).toEqual({ A: '1.0', B: '3', C: '1000.0', D: '2.5', S: '1.0' });
    expect(readTrigger('{"environment": [{"A": 2.0}, {"B": 2}]}', 'json', ctx).environment).toEqual({ A: '2.0', B: '2' });
  });

  it('accepts YAML, and the list-of-mappings environment form', () => {
    const t = readTrigger('type: y\nenvironment:\n  - A: 1\n  - B: two\n', 'yaml', ctx);
    expect(t.environment).toEqual({ A: '1', B: 'two' });
  });

  it.each([
    ['epoch number', '{"schedule_time": 1473546507}', 1473546507],
    ['epoch float', '{"schedule_time": 1473546507.25}', 1473546507.25],
    ['ISO with zone', '{"schedule_time": "2016-09-10T14:28:27Z"}', 1473517707],
    ['naive ISO in local zone', '{"schedule_time": "2016-09-10T14:28:27"}', 1473517707],
    ['naive ISO in schedule_timezone', '{"schedule_time": "2016-09-10T14:28:27", "schedule_timezone": "Europe/Berlin"}', 1473517707 - 3600],
  ])('schedule_time: %s', (_what, text, expected) => {
    expect(readTrigger(text, 'json', ctx).scheduleTime).toBe(expected);
  });

  it.each([
    ['a list', '[1,2]', /must be a mapping, not a list/, false],
    ['a number', '5', /must be a mapping, not number 5/, false],
    ['environment: 5', '{"environment": 5}', /environment must be a mapping, not number 5/, false],
    ['environment value a mapping', '{"environment": {"A": {"b": 1}}}', /environment: A must be a string or a number, not a mapping/, false],
    ['environment value a bool', '{"environment": {"A": true}}', /A must be a string or a number, not boolean true/, false],
    ['identity override', '{"environment": {"RUN_ID": "x", "JOB_NAME": "y"}}', /may not set JOB_NAME, RUN_ID/, false],
    ['unparseable time', '{"schedule_time": "next tuesday"}', /schedule_time: time "next tuesday" is not ISO 8601/, false],
    ['time of wrong type', '{"schedule_time": true}', /schedule_time must be epoch seconds or an ISO 8601/, false],
    ['unknown zone', '{"schedule_timezone": "Mars/Olympus"}', /schedule_timezone: the string "Mars\/Olympus" is not a known time zone/, false],
    ['JSON syntax error', '{"a": ', /not valid JSON/, true],
    ['empty JSON file', '', /the file is empty/, true],
  ])('rejects %s', (_what, text, pattern, incomplete) => {
    const r = reason(text);
    expect(r.message).toMatch(pattern);
    expect(r.incomplete).toBe(incomplete);
  });

  it('rejects YAML syntax errors and an empty YAML file as possibly incomplete', () => {
    expect(reason('a: [1, 2', 'yaml')).toMatchObject({ incomplete: true });
    expect(reason('', 'yaml')).toMatchObject({ message: expect.stringMatching(/not null/), incomplete: true });
  });
});
