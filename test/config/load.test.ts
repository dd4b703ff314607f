import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { locateConfig } from '../../src/config/locate.js';
import { ConfigError } from '../../src/errors.js';
import { cleanupTemp, errorOf, loadFiles, tempTree } from './helpers.js';

afterEach(cleanupTemp);

describe('merge order (SPEC §3)', () => {
  it('dsari.yaml < dsari.json < config.d/*.yaml sorted < config.d/*.json sorted; mappings merge, others replace', () => {
    const { config, dir } = loadFiles({
      'dsari.yaml': 'environment: {A: yaml, K1: y}\njobs:\n  j:\n    command: [one]\n    environment: {X: "1"}\n    concurrency_groups: [a, b]\n',
      'dsari.json': '{"environment": {"A": "json", "K2": "j"}, "jobs": {"j": {"environment": {"Y": "2"}}}}',
      'config.d/20-b.yaml': 'environment: {A: 20b}\njobs:\n  j:\n    concurrency_groups: [c]\n',
      'config.d/10-a.yaml': 'environment: {A: 10a, K3: a}\n',
      'config.d/05-z.json': '{"environment": {"A": "05z-json"}}',
      'config.d/01-a.json': '{"environment": {"A": "01a-json", "K4": "x"}}',
      'config.d/notes.txt': 'not: [read',
      'config.d/sub.yaml/inner.yaml': 'environment: {A: never}\n',
    });
    expect(config.environment).toEqual({ A: '05z-json', K1: 'y', K2: 'j', K3: 'a', K4: 'x' });
    expect(config.jobs.get('j')?.environment).toEqual({ X: '1', Y: '2' });
    expect(config.jobs.get('j')?.concurrencyGroups).toEqual(['c']);
    expect(config.files).toEqual(
      ['dsari.yaml', 'dsari.json', 'config.d/10-a.yaml', 'config.d/20-b.yaml', 'config.d/01-a.json', 'config.d/05-z.json'].map((f) => join(dir, f)),
    );
    expect(config.raw['environment']).toEqual({ A: '05z-json', K1: 'y', K2: 'j', K3: 'a', K4: 'x' });
  });

  it('uses a top-level config_d, relative to the configuration directory', () => {
    const { config, dir } = loadFiles({
      'dsari.yaml': 'config_d: ../elsewhere\n',
      'config.d/a.yaml': 'jobs: {ignored: {command: [x]}}\n',
      '../elsewhere/a.yaml': 'jobs: {used: {command: [x]}}\n',
    });
    expect([...config.jobs.keys()]).toEqual(['used']);
    expect(config.configD).toBe(join(dir, '..', 'elsewhere'));
  });

  it('names the file a bad value came from', () => {
    const err = errorOf(() =>
      loadFiles({
        'dsari.yaml': 'jobs:\n  backup:\n    command: [x]\n    max_execution: 10\n',
        'config.d/10-jobs.yaml': 'jobs:\n  backup:\n    max_execution: ten\n',
      }),
    );
    expect(err).toBe('config.d/10-jobs.yaml: job "backup": max_execution: expected a number of seconds, found "ten"'.replace('seconds,', 'seconds or null,'));
  });

  it('skips unreadable config.d files with a warning', () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const dir = tempTree({ 'config.d/a.yaml': 'jobs: {a: {command: [x]}}\n', 'config.d/b.yaml': 'jobs: {b: {command: [x]}}\n' });
    chmodSync(join(dir, 'config.d/b.yaml'), 0);
    const config = loadConfig({ configDir: dir, env: {} });
    expect([...config.jobs.keys()]).toEqual(['a']);
    expect(config.warnings).toEqual(['config.d/b.yaml: skipped: not readable']);
  });
});

describe('syntax errors name the file, line and column', () => {
  it.each([
    ['dsari.yaml', 'jobs:\n  a: [1,\n  b: c: d\n', 'dsari.yaml: line 3, column 7: YAML syntax error: missed comma between flow collection entries'],
    ['dsari.yaml', 'a: 1\nb:\n  - x\n  y: 2\n', 'dsari.yaml: line 4, column 3: YAML syntax error: bad indentation of a mapping entry'],
    ['dsari.json', '{\n  "jobs": {\n    "a": 1,\n  }\n}\n', 'dsari.json: line 4, column 3: JSON syntax error: Expected double-quoted property name'],
    ['dsari.json', '{"jobs": ', 'dsari.json: line 1, column 10: JSON syntax error: Unexpected end of JSON input'],
    ['config.d/x.yaml', '- a\n- b\n', 'config.d/x.yaml: expected a mapping at the top level, found a list'],
    ['dsari.yaml', 'just text\n', 'dsari.yaml: expected a mapping at the top level, found the text "just text"'],
  ])('%s: %j', (file, text, message) => {
    let err: unknown;
    try {
      loadFiles({ [file]: text });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect((err as ConfigError).file).toBe(file);
  });

  it('keeps the last of duplicate YAML keys, with a warning', () => {
    const { config } = loadFiles({ 'dsari.yaml': 'environment: {A: 1}\nenvironment: {B: 2}\n' });
    expect(config.environment).toEqual({ B: '2' });
    expect(config.warnings).toEqual(['dsari.yaml: line 2, column 1: duplicate key (the last one is used)']);
  });

  it('reads YAML 1.1 like PyYAML and tells ints from floats', () => {
    const { config } = loadFiles({
      'dsari.yaml': 'environment:\n  SEXF: 1:30.5\n  U: 1_000\n  HEX: 0x1F\n  Y: y\n  EXP: 1e5\n  NINE: 09\n  OCT: 017\n  SEX: 1:30\n  F: 1.0\n  I: 3\n  E: 1.5e+20\n  SMALL: 0.00001\n  NEG: -2.50\njobs:\n  j:\n    command: [x]\n    concurrent_runs: yes\n',
      'dsari.json': '{"environment": {"JF": 2.0, "JI": 2, "JE": 1e16, "JX": 1E2, "JN": -0.5, "JS": "a\\u0041\\"b"}, "jobs": {"j": {"environment": [{"L": 3.0}]}}}',
    });
    expect(config.environment).toEqual({ SEXF: '90.5', U: '1000', HEX: '31', Y: 'y', EXP: '1e5', NINE: '09', OCT: '15', SEX: '90', F: '1.0', I: '3', E: '1.5e+20', SMALL: '1e-05', NEG: '-2.5', JF: '2.0', JI: '2', JE: '1e+16', JX: '100.0', JN: '-0.5', JS: 'aA"b' });
    expect(config.jobs.get('j')?.environment).toEqual({ L: '3.0' });
    expect(config.jobs.get('j')?.concurrentRuns).toBe(true);
  });
});

describe('no configuration', () => {
  it('is an empty configuration with a warning', () => {
    const dir = tempTree({});
    const config = loadConfig({ configDir: dir, env: { HOME: dir } });
    expect(config.jobs.size).toBe(0);
    expect(config.files).toEqual([]);
    expect(config.warnings).toEqual([`no configuration found in ${dir} (dsari.yaml, dsari.json or config.d): no jobs are defined`]);
  });
  it('is an error when -c names a directory that does not exist', () => {
    const dir = tempTree({});
    expect(errorOf(() => loadConfig({ configDir: join(dir, 'nope'), env: {} }))).toBe(`${join(dir, 'nope')}: the configuration directory does not exist`);
  });
  it('an empty file is an empty mapping', () => {
    const { config } = loadFiles({ 'dsari.yaml': '# nothing yet\n', 'dsari.json': '{}' });
    expect(config.jobs.size).toBe(0);
    expect(config.warnings).toEqual([]);
  });
});

describe('where configuration and data live (SPEC §2)', () => {
  it('DSARI_HOME wins: $DSARI_HOME/etc and $DSARI_HOME/var', () => {
    const root = tempTree({ 'dh/etc/dsari.yaml': 'jobs: {a: {command: [x]}}\n', 'home/.dsari/etc/dsari.yaml': '{}' });
    const config = loadConfig({ env: { DSARI_HOME: join(root, 'dh'), HOME: join(root, 'home') } });
    expect(config.configDir).toBe(join(root, 'dh/etc'));
    expect(config.dataDir).toBe(join(root, 'dh/var'));
    expect(config.database).toEqual({ type: 'sqlite3', file: join(root, 'dh/var/dsari.sqlite3') });
  });
  it('~/.dsari/etc when it has config (dsari.yaml, dsari.json or config.d)', () => {
    for (const marker of ['dsari.yaml', 'dsari.json', 'config.d/x.txt']) {
      const root = tempTree({ [`home/.dsari/etc/${marker}`]: marker.endsWith('.json') ? '{}' : '' });
      const loc = locateConfig({ env: { HOME: join(root, 'home') } });
      expect(loc).toEqual({ configDir: join(root, 'home/.dsari/etc'), defaultDataDir: join(root, 'home/.dsari/var') });
    }
  });
  it('falls back to ~/.dsari/etc when no place has config', () => {
    const root = tempTree({});
    mkdirSync(join(root, 'home'));
    const loc = locateConfig({ env: { HOME: join(root, 'home') } });
    // /usr/local/etc/dsari and /etc/dsari do not exist on the test machine.
    expect(loc).toEqual({ configDir: join(root, 'home/.dsari/etc'), defaultDataDir: join(root, 'home/.dsari/var') });
  });
  it('-c DIR: data defaults to $DSARI_HOME/var, the paired place, else ~/.dsari/var', () => {
    expect(locateConfig({ configDir: '/srv/x', env: { DSARI_HOME: '/opt/d', HOME: '/h' } })).toEqual({ configDir: '/srv/x', defaultDataDir: '/opt/d/var' });
    expect(locateConfig({ configDir: '/etc/dsari', env: { HOME: '/h' } })).toEqual({ configDir: '/etc/dsari', defaultDataDir: '/var/lib/dsari' });
    expect(locateConfig({ configDir: '/usr/local/etc/dsari/', env: { HOME: '/h' } })).toEqual({ configDir: '/usr/local/etc/dsari', defaultDataDir: '/usr/local/lib/dsari' });
    expect(locateConfig({ configDir: '/srv/x', env: { HOME: '/h' } })).toEqual({ configDir: '/srv/x', defaultDataDir: '/h/.dsari/var' });
  });
  it('data_dir, template_dir and the sqlite file are resolved against the configuration directory', () => {
    const { config, dir } = loadFiles({ 'dsari.yaml': 'data_dir: ../var\ntemplate_dir: tpl\ndatabase: {type: sqlite3, file: db/runs.sqlite3}\n' });
    expect(config.dataDir).toBe(join(dir, '..', 'var'));
    expect(config.templateDir).toBe(join(dir, 'tpl'));
    expect(config.database).toEqual({ type: 'sqlite3', file: join(dir, 'db/runs.sqlite3') });
  });
  it('the default sqlite file follows data_dir', () => {
    const { config } = loadFiles({ 'dsari.yaml': 'data_dir: /srv/dsari\n' });
    expect(config.database).toEqual({ type: 'sqlite3', file: '/srv/dsari/dsari.sqlite3' });
  });
  it('loads the bundled example', () => {
    const dir = new URL('../../examples/etc/', import.meta.url).pathname;
    const config = loadConfig({ configDir: dir, env: {} });
    // The example grows with the project; it must load cleanly, sorted, with its trigger-only job.
    const names = [...config.jobs.keys()];
    expect(names).toEqual([...names].sort());
    expect(names).toContain('hello');
    expect(config.jobs.get('on-demand')?.schedule).toBeNull();
    expect(config.dataDir).toBe(join(dir, '../../.tmp/example-var'));
    expect(config.warnings).toEqual([]);
  });
});

describe('the result', () => {
  it('is deeply frozen, maps included; the jobs map is sorted by name', () => {
    const { config } = loadFiles({ 'dsari.yaml': 'environment: {A: b}\njobs:\n  zz: {command: [x], environment: {K: v}}\n  aa: {command: "a b"}\n' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.environment)).toBe(true);
    expect(Object.isFrozen(config.raw)).toBe(true);
    expect(Object.isFrozen(config.raw['jobs'])).toBe(true);
    const job = config.jobs.get('zz');
    expect(Object.isFrozen(job)).toBe(true);
    expect(Object.isFrozen(job?.command)).toBe(true);
    expect(Object.isFrozen(job?.environment)).toBe(true);
    expect(() => (config.jobs as Map<string, unknown>).set('x', {})).toThrow(TypeError);
    expect(() => (config.jobs as Map<string, unknown>).delete('zz')).toThrow(TypeError);
    expect(() => (config.concurrencyGroups as Map<string, unknown>).clear()).toThrow(TypeError);
    expect(() => {
      (job?.command as string[]).push('y');
    }).toThrow(TypeError);
    expect([...config.jobs.keys()]).toEqual(['aa', 'zz']);
  });
});

describe('mergeMappings', () => {
  it('never changes its inputs, also when chained', async () => {
    const { mergeMappings } = await import('../../src/config/merge.js');
    const a = { jobs: { x: { command: ['a'], environment: { A: '1' } } }, data_dir: '/a' };
    const b = { jobs: { x: { environment: { B: '2' } }, y: { command: ['b'] } } };
    const c = { jobs: { x: { command: 'c' } }, data_dir: '/c' };
    const snapshot = JSON.stringify([a, b, c]);
    const ab = mergeMappings(a, b);
    const abc = mergeMappings(ab, c);
    expect(JSON.stringify([a, b, c])).toBe(snapshot);
    expect(abc).toEqual({ jobs: { x: { command: 'c', environment: { A: '1', B: '2' } }, y: { command: ['b'] } }, data_dir: '/c' });
  });
});

describe('hostile YAML', () => {
  it('a billion-laughs document is refused quickly, aliases counted at each use', () => {
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const t0 = Date.now();
    expect(errorOf(() => loadFiles({ 'dsari.yaml': `${lines.join('\n')}\n` }))).toBe('dsari.yaml: YAML expands to more than 1000000 values (too many aliases?)');
    expect(Date.now() - t0).toBeLessThan(5000);
  });
  it('modest aliases are fine and keep float marks at every use', () => {
    const { config } = loadFiles({ 'dsari.yaml': 'x-env: &env {A: 2.0, B: x}\nenvironment: *env\njobs:\n  j: {command: [x], environment: *env}\n' });
    expect(config.environment).toEqual({ A: '2.0', B: 'x' });
    expect(config.jobs.get('j')?.environment).toEqual({ A: '2.0', B: 'x' });
  });
  it('nesting deeper than 1000 levels is refused', () => {
    expect(errorOf(() => loadFiles({ 'dsari.yaml': `x: ${'['.repeat(1500)}${']'.repeat(1500)}\n` }))).toBe('dsari.yaml: YAML nested too deeply to read');
  });
});
