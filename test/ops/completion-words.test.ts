/** completeWords on a small command tree: a table of command lines and what they complete to. */
import { Argument, Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeCommand } from '../../src/ops/cli-tree.js';
import { type Completion, completeWords, formatCompletion } from '../../src/ops/completion.js';

function tree(): Command {
  const root = new Command('tool').option('-c, --config-dir <dir>', 'configuration').option('--debug', 'more');
  root.command('run').description('run a job').addArgument(new Argument('<job>')).option('--at <time>', 'when').addOption(new Option('--mode <mode>', 'how').choices(['fast', 'slow']));
  const info = root.command('info').description('information');
  info.command('show').description('show a run').argument('<run-id>').option('--job <name>', 'only this job');
  root.command('secret', { hidden: true }).description('not offered');
  return root;
}

const lookups = {
  jobs: async (dir: string | undefined) => ['alpha', 'beta'].map((value) => ({ value, description: `job in ${dir ?? 'default'}` })),
  runs: async () => [{ value: 'r-1', description: 'alpha exit 0' }],
};

function values(c: Completion): string[] {
  return c.kind === 'words' ? c.candidates.map((x) => x.value) : [`<${c.kind}>`];
}

describe('completeWords', () => {
  const root = describeCommand(tree());
  it.each<[string[], string[]]>([
    [['tool', ''], ['run', 'info']],
    [['tool', 'r'], ['run']],
    [['tool', '-'], ['--config-dir', '-c', '--debug', '--help', '-h']],
    [['tool', '-c', ''], ['<dirs>']],
    [['tool', '--config-dir=/x', 'run', ''], ['alpha', 'beta']],
    [['tool', 'run', '--at', 'noon', 'b'], ['beta']],
    [['tool', 'run', '--mode', ''], ['fast', 'slow']],
    [['tool', 'run', '--mode=s'], ['--mode=slow']],
    [['tool', 'run', '--mode', '=', 'f'], ['fast']],
    [['tool', 'run', 'alpha', ''], []],
    [['tool', 'info', 'show', ''], ['r-1']],
    [['tool', 'info', 'show', '--job', 'a'], ['alpha']],
    [['tool', 'info', 'show', '--'], ['--job', '--help', '--config-dir', '--debug']],
    [['tool-info', 's'], ['show']],
    [['/usr/bin/tool-info', 'show', ''], ['r-1']],
    [['tool', '--', ''], []],
    [['tool', 'secret', ''], []],
    [['tool', 'nonsense', ''], []],
  ])('%j → %j', async (words, expected) => {
    expect(values(await completeWords(root, words, words.length - 1, lookups))).toEqual(expected);
  });

  it('job names come from the -c given on the command line (the last one)', async () => {
    const c = await completeWords(root, ['tool', '-c', '/a', '--config-dir', '/b', 'run', ''], 6, lookups);
    expect(c.candidates[0]).toEqual({ value: 'alpha', description: 'job in /b' });
  });

  it('formats the kind, then value<TAB>description lines', () => {
    expect(formatCompletion({ kind: 'words', candidates: [{ value: 'a', description: 'x\ty' }, { value: 'b', description: '' }] })).toBe('words\na\tx y\nb\n');
    expect(formatCompletion({ kind: 'dirs', candidates: [] })).toBe('dirs\n');
  });
});
