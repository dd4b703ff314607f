/**
 * `run list --format json` writes its text run by run (issue 15); it must be byte for byte the
 * text of the mapping run id → runMapping(run) with sorted keys, indented by 4, as before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonText } from '../../src/cli/info/format.js';
import { runMapping, runsJson } from '../../src/cli/info/run.js';
import type { RunRecord } from '../../src/store/types.js';

/** What `run list --format json` printed before: objects, sorted keys, JSON.stringify. */
function reference(runs: readonly RunRecord[]): string {
  const mapping: Record<string, unknown> = {};
  for (const run of runs) mapping[run.runId] = runMapping(run);
  return jsonText(mapping);
}

const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '2', '4294967294', '4294967295', '01', '-1', 'a', 'B', 'é', '😀'));
const json = fc.dictionary(key.filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
const time = fc.double({ min: 0, max: 4e9, noNaN: true });
const run: fc.Arbitrary<RunRecord> = fc.record({
  jobName: fc.oneof(fc.string(), fc.constant('backup')),
  runId: fc.oneof(fc.uuid(), key).filter((k) => k !== '__proto__'),
  scheduleTime: time,
  startTime: time,
  triggerType: fc.constantFrom('schedule', 'file', 'retry', 'odd "type"'),
  triggerData: fc.oneof(fc.constant({}), json),
  runData: fc.oneof(fc.constant({}), json),
  running: fc.boolean(),
  stopTime: fc.oneof(time, fc.constant(null)),
  exitCode: fc.oneof(fc.integer({ min: -255, max: 255 }), fc.constant(null)),
});

describe('run list --format json text', () => {
  it('is the text of the sorted mapping, for any runs (duplicate ids, numeric ids, running, nested data)', () => {
    fc.assert(
      fc.property(fc.array(run, { maxLength: 12 }), (runs) => {
        expect(runsJson(runs)).toBe(reference(runs));
      }),
      { numRuns: 400 },
    );
  });

  it('is {} for no runs', () => {
    expect(runsJson([])).toBe('{}\n');
    expect(runsJson([])).toBe(reference([]));
  });
});
