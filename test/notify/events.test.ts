/** The event decision (SPEC-BEYOND §12.6) as a table of cases. */
import { describe, expect, it } from 'vitest';
import type { NotifyEvent } from '../../src/config/notify.js';
import { decideEvents, eventFor, type SequenceOutcome } from '../../src/notify/events.js';

const lost = { dsari_status: 'lost' };
const timedOut = { dsari_timed_out: true };

describe('decideEvents', () => {
  const cases: [string, number, Record<string, unknown>, SequenceOutcome, boolean, NotifyEvent[], SequenceOutcome][] = [
    ['first run succeeds', 0, {}, null, false, ['success'], 'success'],
    ['success after success', 0, {}, 'success', false, ['success'], 'success'],
    ['success after failure: recovery', 0, {}, 'failure', false, ['recovery', 'success'], 'success'],
    ['first failure', 1, {}, null, false, ['failure'], 'failure'],
    ['failure after success', 1, {}, 'success', false, ['failure'], 'failure'],
    ['failure after failure', 1, {}, 'failure', false, ['still_failing', 'failure'], 'failure'],
    ['failure with a retry pending: nothing', 1, {}, 'success', true, [], 'success'],
    ['failure with a retry pending after failures: nothing, still failing', 1, {}, 'failure', true, [], 'failure'],
    ['timeout', 143, timedOut, 'success', false, ['timeout', 'failure'], 'failure'],
    ['lost (exit code 255)', 255, lost, 'success', false, ['lost', 'failure'], 'failure'],
    ['lost with exit 0 recorded is still lost', 0, lost, null, false, ['lost', 'failure'], 'failure'],
    ['skipped changes nothing', 0, { dsari_status: 'skipped' }, 'failure', false, ['skipped'], 'failure'],
    ['success is never held for a retry', 0, {}, 'failure', true, ['recovery', 'success'], 'success'],
  ];
  it.each(cases)('%s', (_name, exitCode, runData, previous, retryPending, events, outcome) => {
    expect(decideEvents({ exitCode, runData, previous, retryPending })).toEqual({ events, outcome });
  });

  it('fail, fail, succeed: one failure per sequence, still_failing between, recovery at the end', () => {
    let previous: SequenceOutcome = null;
    const seen: string[][] = [];
    for (const exitCode of [1, 1, 0]) {
      const d = decideEvents({ exitCode, runData: {}, previous, retryPending: false });
      seen.push([eventFor({ on: ['failure', 'recovery'] }, d.events) ?? '-', eventFor({ on: ['failure', 'still_failing', 'recovery'] }, d.events) ?? '-']);
      previous = d.outcome;
    }
    expect(seen).toEqual([
      ['failure', 'failure'],
      ['failure', 'still_failing'],
      ['recovery', 'recovery'],
    ]);
  });

  it('a retry sequence (fail, retry fails, retry fails, exhausted) gives exactly one failure', () => {
    let previous: SequenceOutcome = 'success';
    const events: string[] = [];
    for (const [exitCode, retryPending] of [[1, true], [1, true], [1, false]] as const) {
      const d = decideEvents({ exitCode, runData: {}, previous, retryPending });
      events.push(...d.events);
      previous = d.outcome;
    }
    expect(events).toEqual(['failure']);
  });

  it('a notifier gets the most specific event it lists, or none', () => {
    expect(eventFor({ on: ['failure'] }, ['lost', 'failure'])).toBe('failure');
    expect(eventFor({ on: ['failure', 'lost'] }, ['lost', 'failure'])).toBe('lost');
    expect(eventFor({ on: ['success'] }, ['recovery', 'success'])).toBe('success');
    expect(eventFor({ on: ['recovery'] }, ['success'])).toBeNull();
  });
});
