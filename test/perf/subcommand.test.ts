import { describe, expect, it } from 'vitest';
import { requestedSubcommand } from '../../src/cli/subcommand.js';

const NAMES = ['daemon', 'info', 'schedule', 'migrate'];

describe('requestedSubcommand: which one command `dsari` may load alone', () => {
  it.each<[string[], string | undefined]>([
    [['schedule', 'H * * * *'], 'schedule'],
    [['-c', '/etc/dsari', 'info', 'run', 'list'], 'info'],
    [['--config-dir', 'daemon', 'migrate'], 'migrate'],
    [['--config-dir=/x', '--debug', 'daemon'], 'daemon'],
    [['-c/x', 'info'], 'info'],
    [['--debug', '-c', 'x', 'schedule', '--help'], 'schedule'],
    [[], undefined],
    [['--help'], undefined],
    [['--version'], undefined],
    [['help', 'schedule'], undefined],
    [['shedule', 'x'], undefined],
    [['--unknown', 'info'], undefined],
    [['-c'], undefined],
  ])('%j → %s', (args, expected) => {
    expect(requestedSubcommand(args, NAMES)).toBe(expected);
  });
});
