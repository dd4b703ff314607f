/**
 * Database passwords never leave the configuration (docs/RELIABILITY.md): not in daemon log
 * lines (also while the database is unreachable), `dsari-info config dump` (normalised and
 * --raw), rendered reports or exporter metrics.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, makeTempDir, runCli, startProcess } from '../helpers/index.js';

const SECRET = 'Hunter2SecretPw';

/** Databases on a closed port (nothing listens on 127.0.0.1:1): every connection is refused. */
const DATABASES: Array<[string, unknown]> = [
  ['PostgreSQL key=value DSN', { type: 'postgresql', dsn: `host=127.0.0.1 port=1 dbname=test user=postgres password=${SECRET} connect_timeout=2` }],
  ['PostgreSQL key=value DSN, quoted', { type: 'postgresql', dsn: `host=127.0.0.1 port=1 dbname=test user=postgres password='${SECRET} x'` }],
  ['PostgreSQL URI', { type: 'postgresql', dsn: `postgresql://postgres:${SECRET}@127.0.0.1:1/test` }],
  ['PostgreSQL URI, password parameter', { type: 'postgresql', dsn: `postgresql://postgres@127.0.0.1:1/test?password=${SECRET}` }],
  ['MySQL passwd', { type: 'mysql', connection: { host: '127.0.0.1', port: 1, user: 'root', passwd: SECRET, db: 'test' } }],
  ['MySQL password', { type: 'mysql', connection: { host: '127.0.0.1', port: 1, user: 'root', password: SECRET, database: 'test' } }],
];

/** The slower end-to-end check runs for one form of each backend. */
const DAEMON_CASES = new Set(['PostgreSQL key=value DSN', 'PostgreSQL URI', 'MySQL passwd']);

let tmp: { path: string; cleanup: () => void } | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  tmp?.cleanup();
  tmp = null;
});

function setup(database: unknown): { configDir: string; dataDir: string } {
  tmp = makeTempDir('dsari-secrets-');
  const configDir = join(tmp.path, 'etc');
  const dataDir = join(tmp.path, 'var');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'dsari.json'), JSON.stringify({ data_dir: dataDir, database, jobs: { j: { command: ['true'] } } }));
  return { configDir, dataDir };
}

/** Every file under `dir`, concatenated (for rendered reports). */
function allText(dir: string): string {
  if (!existsSync(dir)) return '';
  let out = '';
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    out += statSync(p).isDirectory() ? allText(p) : readFileSync(p, 'latin1');
  }
  return out;
}

describe.each(DATABASES)('%s: the password never appears', (_what, database) => {
  it('in config dump (normalised, --raw, YAML) and config check', async () => {
    const { configDir } = setup(database);
    for (const args of [['config', 'dump'], ['config', 'dump', '--raw', '--format', 'yaml']]) {
      const r = await runCli('dsari-info', ['-c', configDir, ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout + r.stderr, args.join(' ')).not.toContain(SECRET);
      // The password key is still shown, with its value replaced.
      expect(r.stdout).toContain('REDACTED');
    }
  }, 60_000);

  it.runIf(DAEMON_CASES.has(_what))('in the daemon log while the database is unreachable, nor in dsari-info, dsari-render or the exporter', async () => {
    const { configDir, dataDir } = setup(database);
    const daemon = startProcess('dsari-daemon', ['-c', configDir, '--debug']);
    // Either it runs with the outage journal or it refuses to start: both must say why, without the secret.
    await Promise.race([daemon.waitForOutput(/unavailable|cannot|refused/i, 30_000), daemon.exited]);
    await daemon.stop();
    expect(daemon.stderr.length).toBeGreaterThan(0);
    expect(daemon.stderr + daemon.stdout).not.toContain(SECRET);

    const info = await runCli('dsari-info', ['-c', configDir, 'job', 'list'], { timeoutMs: 30_000 });
    expect(info.stdout + info.stderr).not.toContain(SECRET);
    const render = await runCli('dsari-render', ['-c', configDir], { timeoutMs: 30_000 });
    expect(render.stdout + render.stderr).not.toContain(SECRET);
    expect(allText(join(dataDir, 'html'))).not.toContain(SECRET);
    const exporter = await runCli('dsari-prometheus-exporter', ['-c', configDir, '--dump'], { timeoutMs: 30_000 });
    expect(exporter.stdout + exporter.stderr).not.toContain(SECRET);
  }, 90_000);
});
