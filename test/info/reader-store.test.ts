/**
 * The read-side commands open the store read-only: against a database that is down they fail
 * with one line and never touch (replay or write) the daemon's outage journal in DATA_DIR.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, writeTree } from '../helpers/index.js';

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

describe('dsari-info against a PostgreSQL server that is down', () => {
  it('exits 1 with one line on stderr and leaves the daemon journal alone', async () => {
    const tmp = makeTempDir();
    dirs.push(tmp);
    const journalLine = `${JSON.stringify({ op: 'insertRunning', run: { runId: 'x' } })}\n`;
    writeTree(tmp.path, {
      'etc/dsari.yaml': [
        'data_dir: ../var',
        'database:',
        '  type: postgresql',
        "  dsn: 'postgresql://dsari:sekrit-pw@127.0.0.1:1/nowhere'",
        'jobs:',
        '  a: {command: /bin/true}',
        '',
      ].join('\n'),
      'var/store-journal.jsonl': journalLine,
    });
    const r = await runCli('dsari-info', ['-c', join(tmp.path, 'etc'), 'run', 'list']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dsari-info: .*unavailable/);
    expect(r.stderr).not.toContain('sekrit-pw');
    expect(readFileSync(join(tmp.path, 'var/store-journal.jsonl'), 'utf8')).toBe(journalLine);
  });
});
