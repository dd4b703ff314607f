/**
 * Hostile trigger files handed to the real, built dsari-daemon (docs/RELIABILITY.md): each is
 * rejected into DATA_DIR/trigger/JOB/rejected/ with a reason file, logged, and the daemon keeps
 * running; a good trigger afterwards still runs. Nothing is ever read through a symlink and a
 * FIFO never blocks the daemon.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_VARIABLES } from '../../src/executor/environment.js';
import { killLeftovers, makeTempDir, startProcess, waitFor, type ManagedProcess } from '../helpers/index.js';

let tmp: { path: string; cleanup: () => void };
let dataDir: string;
let daemon: ManagedProcess;
let n = 0;

/** A fresh job directory per case: cases cannot see each other's files. */
function jobName(): string {
  return `j${n++}`;
}

beforeAll(async () => {
  tmp = makeTempDir('dsari-hostile-trig-');
  const configDir = join(tmp.path, 'etc');
  dataDir = join(tmp.path, 'var');
  mkdirSync(configDir, { recursive: true });
  const jobs: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) {
    jobs[`j${i}`] = { command: ['sh', '-c', 'echo "ran $JOB_NAME $RUN_ID desc=$DESC" > "$RUN_DIR/ran.txt"'] };
  }
  writeFileSync(join(configDir, 'dsari.json'), JSON.stringify({ data_dir: dataDir, jobs }));
  daemon = startProcess('dsari-daemon', ['-c', configDir]);
  await daemon.waitForOutput('Scheduler running', 30_000);
}, 60_000);

afterAll(async () => {
  await daemon.stop();
  expect(await killLeftovers()).toBe(0);
  tmp.cleanup();
}, 60_000);

afterEach(() => {
  // Whatever a case did, the daemon must still be there.
  expect(daemon.running).toBe(true);
});

function trigDir(job: string): string {
  const d = join(dataDir, 'trigger', job);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Waits for one file in JOB/rejected/ and its reason; returns the reason text. */
async function rejectedReason(job: string): Promise<string> {
  const dir = join(dataDir, 'trigger', job, 'rejected');
  const reasonFile = await waitFor(`a rejected trigger of ${job}`, () => {
    if (!existsSync(dir)) return false;
    const r = readdirSync(dir).find((f) => f.endsWith('.reason'));
    return r === undefined ? false : join(dir, r);
  }, { timeoutMs: 30_000 });
  const reason = readFileSync(reasonFile, 'utf8').trim();
  expect(reason.length).toBeGreaterThan(0);
  return reason;
}

/** Writes a good trigger and waits until its run has written ran.txt; returns its content. */
async function goodTriggerRuns(job: string, desc = 'good'): Promise<string> {
  const dir = trigDir(job);
  writeFileSync(join(dir, 'trigger.tmp'), JSON.stringify({ environment: { DESC: desc } }));
  execFileSync('mv', [join(dir, 'trigger.tmp'), join(dir, 'trigger.json')]);
  const runsDir = join(dataDir, 'runs', job);
  return waitFor(`a run of ${job} with DESC=${desc}`, () => {
    if (!existsSync(runsDir)) return false;
    for (const id of readdirSync(runsDir)) {
      const f = join(runsDir, id, 'ran.txt');
      if (existsSync(f)) {
        const t = readFileSync(f, 'utf8');
        if (t.includes(`desc=${desc}`)) return t;
      }
    }
    return false;
  }, { timeoutMs: 30_000 });
}

function runsOf(job: string): string[] {
  const d = join(dataDir, 'runs', job);
  return existsSync(d) ? readdirSync(d) : [];
}

describe('hostile trigger files given to the real daemon', () => {
  it('a symlink named trigger.json is rejected without being followed; the target is untouched', async () => {
    const job = jobName();
    const target = join(tmp.path, `elsewhere-${job}.json`);
    writeFileSync(target, JSON.stringify({ environment: { DESC: 'through-the-link' } }));
    symlinkSync(target, join(trigDir(job), 'trigger.json'));
    const reason = await rejectedReason(job);
    expect(reason).toMatch(/not a regular file/);
    // The link itself was moved; its target is still where it was, unchanged.
    const moved = readdirSync(join(dataDir, 'trigger', job, 'rejected')).find((f) => !f.endsWith('.reason')) as string;
    expect(lstatSync(join(dataDir, 'trigger', job, 'rejected', moved)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ environment: { DESC: 'through-the-link' } });
    await daemon.waitForOutput(`[${job}] Cannot load trigger: not a regular file`);
    expect(await goodTriggerRuns(job)).toContain(`ran ${job}`);
    // Only the good trigger ran: nothing was read through the link.
    expect(runsOf(job)).toHaveLength(1);
  }, 60_000);

  it('a FIFO named trigger.json does not block the daemon: rejected, and triggers of other jobs keep running', async () => {
    const job = jobName();
    execFileSync('mkfifo', [join(trigDir(job), 'trigger.json')]);
    expect(await rejectedReason(job)).toMatch(/not a regular file/);
    const other = jobName();
    expect(await goodTriggerRuns(other)).toContain(`ran ${other}`);
    expect(await goodTriggerRuns(job)).toContain(`ran ${job}`);
  }, 60_000);

  it('a directory named trigger.json is moved aside and rejected', async () => {
    const job = jobName();
    mkdirSync(join(trigDir(job), 'trigger.json', 'inner'), { recursive: true });
    expect(await rejectedReason(job)).toMatch(/not a regular file/);
    expect(await goodTriggerRuns(job)).toContain(`ran ${job}`);
  }, 60_000);

  it('a 50 MB file is rejected unread', async () => {
    const job = jobName();
    const dir = trigDir(job);
    writeFileSync(join(dir, 'big.tmp'), Buffer.alloc(50 * 1024 * 1024, 0x20));
    execFileSync('mv', [join(dir, 'big.tmp'), join(dir, 'trigger.json')]);
    expect(await rejectedReason(job)).toMatch(/52428800 bytes/);
    expect(await goodTriggerRuns(job)).toContain(`ran ${job}`);
  }, 60_000);

  const contentCases: Array<[string, string | Buffer, RegExp, ('json' | 'yaml')?]> = [
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), /not valid UTF-8/],
    ['JSON nested 100 000 levels', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /nests|mapping/],
    ['JSON nested 100 000 levels inside a mapping', `{"description":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /nests lists or mappings more than/],
    ['a list instead of a mapping', '[{"environment": {"A": "1"}}]', /must be a mapping, not a list/],
    ['environment: 5', '{"environment": 5}', /environment must be a mapping/],
    ['an unparseable schedule_time', '{"schedule_time": "the day after tomorrow"}', /schedule_time/],
    ['not JSON at all', '{"environment": ', /not valid JSON/],
  ];
  it.each(contentCases)('%s is rejected with a reason; the daemon keeps running', async (_what, content, reasonPattern) => {
    const job = jobName();
    const dir = trigDir(job);
    writeFileSync(join(dir, 'bad.tmp'), content);
    execFileSync('mv', [join(dir, 'bad.tmp'), join(dir, 'trigger.json')]);
    expect(await rejectedReason(job)).toMatch(reasonPattern);
    await daemon.waitForOutput(`[${job}] Cannot load trigger:`);
    expect(await goodTriggerRuns(job)).toContain(`ran ${job}`);
    expect(runsOf(job)).toHaveLength(1);
  }, 60_000);

  it('a YAML bomb (billion laughs) is rejected promptly', async () => {
    const job = jobName();
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    }
    const dir = trigDir(job);
    writeFileSync(join(dir, 'bomb.tmp'), lines.join('\n'));
    execFileSync('mv', [join(dir, 'bomb.tmp'), join(dir, 'trigger.yaml')]);
    expect(await rejectedReason(job)).toMatch(/YAML|alias/i);
    expect(await goodTriggerRuns(job)).toContain(`ran ${job}`);
  }, 60_000);

  it.each(IDENTITY_VARIABLES.map((v) => [v]))('a trigger setting the identity variable %s is rejected', async (variable) => {
    const job = jobName();
    const dir = trigDir(job);
    writeFileSync(join(dir, 'id.tmp'), JSON.stringify({ environment: { [variable]: '../../../../tmp/evil' } }));
    execFileSync('mv', [join(dir, 'id.tmp'), join(dir, 'trigger.json')]);
    const reason = await rejectedReason(job);
    expect(reason).toContain(variable);
    expect(runsOf(job)).toHaveLength(0);
  }, 60_000);
});
