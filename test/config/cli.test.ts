import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROOT, runCli } from '../helpers/index.js';
import { cleanupTemp, tempTree } from './helpers.js';

afterEach(cleanupTemp);

const GOOD = {
  'etc/dsari.yaml': 'data_dir: ../var\ndatabase: {type: mysql, connection: {host: h, user: u, passwd: secret, db: d}}\njobs:\n  backup:\n    command: rsync -a "/a b" /c\n    schedul: null\n',
};
const env = (root: string) => ({ HOME: join(root, 'home'), DSARI_HOME: undefined });

describe('dsari-info config check', () => {
  it('prints "Config OK" and exits 0; warnings go to stderr', async () => {
    const root = tempTree(GOOD);
    const r = await runCli('dsari-info', ['-c', join(root, 'etc'), 'config', 'check'], { env: env(root) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Config OK\n');
    expect(r.stderr).toBe('WARNING: dsari.yaml: job "backup": unknown key "schedul" ignored (did you mean "schedule"?)\n');
  });

  it('accepts -c before or after the subcommands, and as `dsari info`', async () => {
    const root = tempTree(GOOD);
    const dir = join(root, 'etc');
    for (const [bin, args] of [
      ['dsari-info', ['config', 'check', '-c', dir]],
      ['dsari-info', ['config', '--config-dir', dir, 'check']],
      ['dsari', ['info', '-c', dir, 'config', 'check']],
      ['dsari', ['-c', dir, 'info', 'config', 'check']],
    ] as const) {
      const r = await runCli(bin, args, { env: env(root) });
      expect({ bin, args, code: r.code, stdout: r.stdout }).toEqual({ bin, args, code: 0, stdout: 'Config OK\n' });
    }
  });

  it('finds the configuration through DSARI_HOME', async () => {
    const root = tempTree({ 'dh/etc/dsari.json': '{"jobs": {"x": {"command": "true"}}}' });
    const r = await runCli('dsari-info', ['config', 'dump', '--format', 'json'], { env: { HOME: join(root, 'home'), DSARI_HOME: join(root, 'dh') } });
    expect(r.code).toBe(0);
    const dump = JSON.parse(r.stdout) as { data_dir: string; jobs: Record<string, unknown> };
    expect(dump.data_dir).toBe(join(root, 'dh/var'));
    expect(Object.keys(dump.jobs)).toEqual(['x']);
  });

  it('prints one line naming file, job and key on stderr and exits 1', async () => {
    const dir = join(ROOT, 'test/fixtures/bad-config/config-d-override');
    const r = await runCli('dsari-info', ['-c', dir, 'config', 'check'], { env: { HOME: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('dsari-info: config.d/10-jobs.yaml: job "backup": max_execution: expected a number of seconds or null, found "ten"\n');
  });
});

describe('dsari-info config dump', () => {
  it('prints the normalised config as sorted JSON by default, secrets redacted', async () => {
    const root = tempTree(GOOD);
    const r = await runCli('dsari-info', ['-c', join(root, 'etc'), 'config', 'dump'], { env: env(root) });
    expect(r.code).toBe(0);
    const dump = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(dump)).toEqual([...Object.keys(dump)].sort());
    expect(r.stdout).toMatch(/^\{\n {4}"concurrency_groups": \{\},\n/);
    expect(dump['database']).toEqual({ type: 'mysql', connection: { host: 'h', user: 'u', passwd: 'REDACTED', db: 'd' } });
    expect(r.stdout).not.toContain('secret');
    expect(dump['data_dir']).toBe(join(root, 'var'));
    expect((dump['jobs'] as Record<string, { command: string[] }>)['backup']?.command).toEqual(['rsync', '-a', '/a b', '/c']);
  });

  it('--format yaml gives the same data', async () => {
    const root = tempTree(GOOD);
    const json = await runCli('dsari-info', ['-c', join(root, 'etc'), 'config', 'dump', '--format', 'json'], { env: env(root) });
    const yaml = await runCli('dsari-info', ['-c', join(root, 'etc'), 'config', 'dump', '--format', 'yaml'], { env: env(root) });
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('--raw prints the merged raw configuration', async () => {
    const root = tempTree({ ...GOOD, 'etc/config.d/a.json': '{"jobs": {"backup": {"max_execution": 5}}}' });
    const r = await runCli('dsari-info', ['-c', join(root, 'etc'), 'config', 'dump', '--raw'], { env: env(root) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      data_dir: '../var',
      database: { type: 'mysql', connection: { host: 'h', user: 'u', passwd: 'REDACTED', db: 'd' } },
      jobs: { backup: { command: 'rsync -a "/a b" /c', schedul: null, max_execution: 5 } },
    });
  });

  it('refuses an unknown format with exit 2', async () => {
    const root = tempTree(GOOD);
    const r = await runCli('dsari-info', ['-c', join(root, 'etc'), 'config', 'dump', '--format', 'xml'], { env: env(root) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'xml' is invalid");
  });
});
