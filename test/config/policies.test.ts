/** The policy keys of a job (SPEC-BEYOND §12): values read, defaults, and every bad input named. */
import { describe, expect, it } from 'vitest';
import { jobPolicies } from '../../src/config/policies.js';
import { errorOf, loadYaml } from './helpers.js';

const job = (keys: string) => `jobs:\n  j:\n    command: "true"\n    schedule: "@daily"\n${keys}\n  other:\n    command: "true"\n  third:\n    command: "true"\n`;

describe('policy keys: reading', () => {
  it('a job without them has no policies object (Part I behaviour) and the defaults', () => {
    const j = loadYaml(job('')).jobs.get('j')!;
    expect(j.policies).toBeUndefined();
    expect(jobPolicies(j)).toEqual({ catchup: 'none', catchupWindow: 86400, overlap: 'queue', retry: null, after: [], onSuccess: [], onFailure: [] });
  });

  it('reads every key, with retry defaults filled in', () => {
    const j = loadYaml(job('    catchup: all\n    catchup_window: 3600\n    overlap: skip\n    retry: {attempts: 3, on_exit_codes: [75, 1, 75]}\n    after: [other]\n    on_success: third\n    on_failure: [third]')).jobs.get('j')!;
    expect(j.policies).toEqual({
      catchup: 'all',
      catchupWindow: 3600,
      overlap: 'skip',
      retry: { attempts: 3, delay: 10, backoff: 2, maxDelay: 3600, jitter: 0, onExitCodes: [1, 75], onTimeout: true, onLost: true },
      after: ['other'],
      onSuccess: ['third'],
      onFailure: ['third'],
    });
    expect(j.concurrentRuns).toBe(false);
  });

  it('overlap: allow is concurrent_runs: true and the other way round', () => {
    expect(loadYaml(job('    overlap: allow')).jobs.get('j')!.concurrentRuns).toBe(true);
    expect(jobPolicies(loadYaml(job('    concurrent_runs: true')).jobs.get('j')!).overlap).toBe('allow');
    expect(loadYaml(job('    overlap: allow\n    concurrent_runs: true')).jobs.get('j')!.concurrentRuns).toBe(true);
  });
});

describe('policy keys: bad input', () => {
  const cases: Array<[string, string, string]> = [
    ['negative delay', '    retry: {delay: -5}', 'dsari.yaml: job "j": retry: delay: expected a number of seconds ≥ 0, found -5'],
    ['non-numeric delay', '    retry: {delay: soon}', 'dsari.yaml: job "j": retry: delay: expected a number of seconds, found "soon"'],
    ['attempts: 1e9', '    retry: {attempts: 1000000000}', 'dsari.yaml: job "j": retry: attempts: expected at most 100 retries, found 1000000000'],
    ['attempts not an integer', '    retry: {attempts: 2.5}', 'dsari.yaml: job "j": retry: attempts: expected a number of retries ≥ 0, found 2.5'],
    ['backoff below 1', '    retry: {backoff: 0.5}', 'dsari.yaml: job "j": retry: backoff: expected a multiplier from 1 to 100, found 0.5'],
    ['jitter above 1', '    retry: {jitter: 2}', 'dsari.yaml: job "j": retry: jitter: expected a fraction from 0 to 1, found 2'],
    ['exit code 0', '    retry: {on_exit_codes: [0]}', 'dsari.yaml: job "j": retry: on_exit_codes: item 1: expected an exit code from 1 to 255, found 0'],
    ['retry not a mapping', '    retry: 3', 'dsari.yaml: job "j": retry: expected a mapping such as {attempts: 3, delay: 30}, found 3'],
    ['overlap: sometimes', '    overlap: sometimes', 'dsari.yaml: job "j": overlap: expected one of queue, skip, replace, allow, found "sometimes"'],
    ['overlap against concurrent_runs', '    overlap: skip\n    concurrent_runs: true', 'dsari.yaml: job "j": overlap: overlap: skip contradicts concurrent_runs: true (overlap: allow is concurrent_runs: true; drop one of the two keys)'],
    ['catchup: maybe', '    catchup: maybe', 'dsari.yaml: job "j": catchup: expected one of none, latest, all, found "maybe"'],
    ['catchup_window: -1', '    catchup_window: -1', 'dsari.yaml: job "j": catchup_window: expected a number of seconds ≥ 0, found -1'],
    ['after: [itself]', '    after: [j]', 'dsari.yaml: job "j": after: a job cannot depend on itself (cycle: j → j)'],
    ['on_success naming no job', '    on_success: [ghost]', 'dsari.yaml: job "j": on_success: no job named "ghost"'],
    ['after not a list', '    after: {a: 1}', 'dsari.yaml: job "j": after: expected a list of job names, found a mapping'],
  ];
  it.each(cases)('%s', (_name, keys, message) => {
    expect(errorOf(() => loadYaml(job(keys)))).toBe(message);
  });

  it('a cycle of three jobs through after and on_success is named', () => {
    const text = `jobs:
  a:
    command: "true"
    after: [c]
  b:
    command: "true"
    after: [a]
  c:
    command: "true"
    after: [b]
`;
    expect(errorOf(() => loadYaml(text))).toBe('dsari.yaml: job "a": after: dependency cycle: a → b → c → a (through after / on_success / on_failure)');
    const mixed = `jobs:
  a:
    command: "true"
    on_success: [b]
  b:
    command: "true"
  c:
    command: "true"
    after: [b]
    on_failure: [a]
`;
    expect(errorOf(() => loadYaml(mixed))).toBe('dsari.yaml: job "c": on_failure: dependency cycle: a → b → c → a (through after / on_success / on_failure)');
  });
});
