import { describe, expect, it } from 'vitest';
import { argvRunsDaemon } from '../../src/cli/daemon-signals.js';
import { formatCommand, formatTimedelta, shellQuote } from '../../src/daemon/format.js';

describe('formatTimedelta: Python str(timedelta), as the original logs durations', () => {
  it.each([
    [0, '0:00:00'],
    [1.02, '0:00:01.020000'],
    [59.9999994, '0:00:59.999999'],
    [61, '0:01:01'],
    [3600 * 25 + 1.5, '1 day, 1:00:01.500000'],
    [86400 * 3, '3 days, 0:00:00'],
    [-2, '-0:00:02'],
  ])('%s s → %s', (s, text) => {
    expect(formatTimedelta(s)).toBe(text);
  });
});

describe('shell quoting like shlex.quote', () => {
  it.each([
    ['/bin/true', '/bin/true'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", `'it'"'"'s'`],
    ['$HOME', "'$HOME'"],
  ])('%j → %s', (w, q) => {
    expect(shellQuote(w)).toBe(q);
  });
  it('joins words', () => {
    expect(formatCommand(['/bin/sh', '-c', 'echo hi'])).toBe("/bin/sh -c 'echo hi'");
  });
});

describe('argvRunsDaemon: which command lines get the early signal handlers', () => {
  it.each([
    [['node', '/x/dist/cli/dsari-daemon.js'], true],
    [['node', '/x/dist/cli/dsari.js', 'daemon'], true],
    [['node', '/x/dist/cli/dsari.js', '-c', 'daemon', 'info'], false],
    [['node', '/x/dist/cli/dsari.js', '--debug', '-c', '/etc', 'daemon', '--fork'], true],
    [['node', '/x/dist/cli/dsari.js', 'trigger', 'daemon'], false],
    [['node', '/x/dist/cli/dsari.js', 'info', 'run', 'tail'], false],
  ])('%j → %s', (argv, expected) => {
    expect(argvRunsDaemon(argv)).toBe(expected);
  });
});
