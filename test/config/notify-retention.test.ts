/** `notify` and `retention` keys (SPEC-BEYOND §12.6, §12.7): validation, inheritance, dump. */
import { afterEach, describe, expect, it } from 'vitest';
import { normalisedConfig } from '../../src/config/dump.js';
import { jobNotifiers } from '../../src/config/notify.js';
import { retentionOf } from '../../src/retention/prune.js';
import { runCli } from '../helpers/index.js';
import { cleanupTemp, errorOf, loadYaml, tempTree } from './helpers.js';

afterEach(cleanupTemp);

const job = (extra: string): string => `jobs:\n  j:\n    command: [/bin/true]\n${extra}`;

describe('notify', () => {
  it('a job without notify inherits the top level; its own list replaces it; [] turns it off', () => {
    const config = loadYaml(`
notify:
  - on: [failure]
    command: [/usr/bin/page]
jobs:
  a: {command: [/bin/true]}
  b:
    command: [/bin/true]
    notify:
      - webhook: "https://chat.example/hooks/abc"
        format: slack
  c: {command: [/bin/true], notify: []}
`);
    expect(jobNotifiers(config, config.jobs.get('a')!)).toEqual([{ kind: 'command', on: ['failure'], timeout: 60, command: ['/usr/bin/page'] }]);
    expect(jobNotifiers(config, config.jobs.get('b')!)).toEqual([
      { kind: 'webhook', on: ['failure', 'recovery'], timeout: 10, url: 'https://chat.example/hooks/abc', format: 'slack', headers: {} },
    ]);
    expect(jobNotifiers(config, config.jobs.get('c')!)).toEqual([]);
  });

  it.each([
    ['an unknown event', '    notify: [{on: [failed], command: [/x]}]\n', 'dsari.yaml: job "j": notify: item 1: on: unknown event "failed" (expected one of success, failure, recovery, lost, timeout, still_failing, skipped)'],
    ['no deliverer', '    notify: [{on: [failure]}]\n', 'dsari.yaml: job "j": notify: item 1: expected exactly one of "command" or "webhook"'],
    ['both deliverers', '    notify: [{command: [/x], webhook: "https://a/b"}]\n', 'dsari.yaml: job "j": notify: item 1: expected exactly one of "command" or "webhook"'],
    ['a bad URL, not shown', '    notify: [{webhook: "not a url secret-xyz"}]\n', 'dsari.yaml: job "j": notify: item 1: webhook: not a valid URL (the value is not shown: webhook URLs are secrets)'],
    ['a non-http URL', '    notify: [{webhook: "ftp://h/secret-xyz"}]\n', 'dsari.yaml: job "j": notify: item 1: webhook: expected an http:// or https:// URL, found a ftp: URL'],
    ['a bad format', '    notify: [{webhook: "https://h/x", format: xml}]\n', 'dsari.yaml: job "j": notify: item 1: format: expected "json" or "slack", found "xml"'],
    ['a timeout of 0', '    notify: [{command: [/x], timeout: 0}]\n', 'dsari.yaml: job "j": notify: item 1: timeout: expected a number of seconds > 0, found 0'],
    ['headers on a command', '    notify: [{command: [/x], headers: {A: b}}]\n', 'dsari.yaml: job "j": notify: item 1: headers: only a webhook notifier takes this key'],
    ['not a list', '    notify: {command: [/x]}\n', 'dsari.yaml: job "j": notify: expected a list of notifiers'],
  ])('%s is a configuration error naming file, job and key', (_name, extra, message) => {
    const err = errorOf(() => loadYaml(job(extra)));
    expect(err.startsWith(message)).toBe(true);
    expect(err).not.toContain('secret-xyz');
  });

  it('a command notifier is limited to 60 s whatever its timeout says', () => {
    const config = loadYaml(job('    notify: [{command: [/x], timeout: 600}]\n'));
    expect(config.jobs.get('j')!.notify![0]!.timeout).toBe(60);
  });
});

describe('retention', () => {
  it('a job key overrides the top level one by one; null lifts a limit', () => {
    const config = loadYaml(`
retention: {keep_runs: 100, keep_days: 30, compress_after: 7}
jobs:
  a: {command: [/bin/true]}
  b: {command: [/bin/true], retention: {keep_days: null, keep_runs: 5}}
`);
    expect(retentionOf(config, 'a')).toEqual({ keepRuns: 100, keepDays: 30, compressAfter: 7 });
    expect(retentionOf(config, 'b')).toEqual({ keepRuns: 5, keepDays: null, compressAfter: 7 });
    expect(retentionOf(config, 'gone')).toEqual({ keepRuns: 100, keepDays: 30, compressAfter: 7 });
  });

  it.each([
    ['keep_runs: 0', '    retention: {keep_runs: 0}\n', 'dsari.yaml: job "j": retention: keep_runs: expected a whole number of runs ≥ 1 or null, found 0 (the newest run is always kept; use null or leave it out for no limit)'],
    ['keep_days: "soon"', '    retention: {keep_days: "soon"}\n', 'dsari.yaml: job "j": retention: keep_days: expected a number of days > 0 or null, found "soon"'],
    ['keep_days: 0', '    retention: {keep_days: 0}\n', 'dsari.yaml: job "j": retention: keep_days: expected a number of days > 0 or null, found 0'],
    ['compress_after: -1', '    retention: {compress_after: -1}\n', 'dsari.yaml: job "j": retention: compress_after: expected a number of days ≥ 0 or null, found -1'],
    ['an unknown key', '    retention: {keep: 3}\n', 'dsari.yaml: job "j": retention: keep: unknown key (expected one of keep_runs, keep_days, compress_after)'],
  ])('%s is a configuration error', (_name, extra, message) => {
    expect(errorOf(() => loadYaml(job(extra)))).toBe(message);
  });
});

describe('config dump', () => {
  const yaml = `
notify:
  - on: [failure, recovery]
    webhook: "https://chat.example/hooks/SECRET-TOKEN"
    headers: {Authorization: "Bearer SECRET-BEARER"}
retention: {keep_runs: 10}
jobs:
  a: {command: [/bin/true], retention: {compress_after: 3}}
  plain: {command: [/bin/true], notify: []}
`;

  it('shows notifiers redacted and the effective retention of each job', () => {
    const dump = normalisedConfig(loadYaml(yaml), 0);
    const text = JSON.stringify(dump);
    expect(text).not.toContain('SECRET');
    expect((dump['jobs'] as Record<string, Record<string, unknown>>)['a']).toMatchObject({
      notify: [{ on: ['failure', 'recovery'], webhook: 'REDACTED', format: 'json', headers: { Authorization: 'REDACTED' }, timeout: 10 }],
      retention: { keep_runs: 10, keep_days: null, compress_after: 3 },
    });
    expect((dump['jobs'] as Record<string, Record<string, unknown>>)['plain']!['notify']).toBeUndefined();
    expect(dump['retention']).toEqual({ keep_runs: 10, keep_days: null, compress_after: null });
  });

  it('a configuration without the new keys dumps exactly as before (no notify or retention keys)', () => {
    const dump = normalisedConfig(loadYaml('jobs:\n  a: {command: [/bin/true]}\n'), 0);
    expect(Object.keys(dump)).not.toContain('notify');
    expect(Object.keys((dump['jobs'] as Record<string, object>)['a']!)).not.toContain('retention');
  });

  it('dsari-info config dump and --raw never print a webhook URL or header value', async () => {
    const dir = tempTree({ 'dsari.yaml': yaml });
    for (const args of [[], ['--raw']]) {
      const r = await runCli('dsari-info', ['-c', dir, 'config', 'dump', '--format', 'json', ...args], { env: { HOME: dir } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('REDACTED');
      expect(r.stdout).not.toContain('SECRET');
    }
  });
});
