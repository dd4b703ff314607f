/**
 * Notifications through the built daemon (SPEC-BEYOND §12.6): the events of a fail, fail,
 * succeed sequence, a command notifier's environment and output file, and a notification
 * pending when the daemon is killed with SIGKILL delivered after the restart.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, runCli, waitFor } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';
import { WebhookServer } from './webhook-server.js';

let site: Site | null = null;
let server: WebhookServer | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  await server?.close();
  server = null;
  site?.cleanup();
  site = null;
});

interface OutboxRow {
  run_id: string;
  event: string;
  label: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

function outbox(s: Site): OutboxRow[] {
  const file = join(s.data, 'dsari.sqlite3');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT run_id, event, label, state, attempts, last_error FROM dsari_notifications ORDER BY id').all() as OutboxRow[];
  } finally {
    db.close();
  }
}

/** Triggers one run of `job` and waits until `n` runs are recorded. */
async function runOnce(s: Site, job: string, n: number): Promise<void> {
  s.trigger(job, {});
  await s.waitRows(n);
}

describe('daemon notifications', () => {
  it('fail, fail, succeed: failure, failure, recovery — and failure, still_failing, recovery where still_failing is listed', async () => {
    server = await new WebhookServer().start();
    site = new Site(`
jobs:
  flaky:
    # fails until JOB_DIR/ok exists
    command: [/bin/sh, -c, 'echo "attempt output"; test -e "$JOB_DIR/ok"']
    notify:
      - on: [failure, recovery]
        webhook: ${JSON.stringify(server.url('/plain'))}
      - on: [failure, still_failing, recovery]
        webhook: ${JSON.stringify(server.url('/slack'))}
        format: slack
        headers: {Authorization: "Bearer hdr-secret-1"}
      - on: [success]
        command: [/bin/sh, -c, 'echo "$NOTIFY_EVENT $EXIT_CODE $RUN_DIR"; printf "%s" "$OUTPUT_TAIL"']
`);
    const d = await site.startReady();
    await runOnce(site, 'flaky', 1);
    await runOnce(site, 'flaky', 2);
    writeFileSync(join(site.data, 'runs', 'flaky', 'ok'), '');
    await runOnce(site, 'flaky', 3);
    await waitFor('6 deliveries', () => (server!.received.length >= 6 ? true : false));
    const runs = site.rows();
    const plain = server.received.filter((r) => r.path === '/plain').map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(plain.map((b) => b['event'])).toEqual(['failure', 'failure', 'recovery']);
    expect(plain[0]).toMatchObject({ job: 'flaky', output_tail: 'attempt output\n', url: null, run: { run_id: runs[0]!.run_id, exit_code: 1, trigger_type: 'file' } });
    const slack = server.received.filter((r) => r.path === '/slack');
    expect(slack.map((r) => (JSON.parse(r.body) as { text: string }).text.split(':')[2]!.trim().split(' (')[0])).toEqual(['failure', 'still failing', 'recovery']);
    expect(slack[0]!.headers['authorization']).toBe('Bearer hdr-secret-1');
    // the command notifier: only the success, with the run's environment, output in notify-3.txt
    await waitFor('command delivered', () => outbox(site!).filter((r) => r.state === 'delivered').length === 7);
    const okRun = runs[2]!;
    const notifyOut = readFileSync(join(site.runDir('flaky', okRun.run_id), 'notify-3.txt'), 'utf8');
    expect(notifyOut).toContain(`success 0 ${site.runDir('flaky', okRun.run_id)}\nattempt output\n`);
    expect(outbox(site).map((r) => r.event)).toEqual(['failure', 'failure', 'failure', 'still_failing', 'recovery', 'recovery', 'success']);
    // logged: each delivery, never a URL or header value
    await d.stop();
    expect(d.stderr).toMatch(/INFO: \[flaky [0-9a-f-]+\] Notification "recovery" by webhook 1 \(json\) delivered \(attempt 1\)/);
    expect(d.stderr).not.toContain('/plain');
    expect(d.stderr).not.toContain('hdr-secret-1');
  });

  it('a notification pending when the daemon is killed with SIGKILL is delivered after the restart', async () => {
    server = await new WebhookServer().start();
    server.mode = 'hang';
    site = new Site(`
jobs:
  j:
    command: [/bin/false]
    notify:
      - on: [failure]
        webhook: ${JSON.stringify(server.url())}
        timeout: 300
`);
    const d = await site.startReady();
    await runOnce(site, 'j', 1);
    // the attempt is under way (the server holds it) when the daemon dies
    await waitFor('attempt under way', () => server!.received.length === 1);
    d.signal('SIGKILL');
    await d.exited;
    expect(outbox(site)).toMatchObject([{ event: 'failure', state: 'pending', attempts: 0 }]);
    server.mode = 'ok';
    const d2 = await site.startReady();
    await waitFor('delivered after restart', () => outbox(site!)[0]?.state === 'delivered');
    expect(server.received).toHaveLength(2);
    expect(JSON.parse(server.received[1]!.body)).toMatchObject({ event: 'failure', job: 'j', run: { run_id: site.rows()[0]!.run_id } });
    await d2.stop();
  });

  it('dsari-info run show and the run page list the notifications of a run and their outcome', async () => {
    server = await new WebhookServer().start();
    server.mode = 'fail';
    site = new Site(`
jobs:
  j:
    command: [/bin/false]
    notify:
      - on: [failure]
        webhook: ${JSON.stringify(server.url())}
`);
    const d = await site.startReady();
    await runOnce(site, 'j', 1);
    await waitFor('one failed attempt', () => outbox(site!)[0]?.attempts === 1);
    await d.stop();
    const runId = site.rows()[0]!.run_id;
    const r = await runCli('dsari-info', ['-c', site.etc, 'run', 'show', runId]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Notifications:');
    expect(r.stdout).toMatch(/failure\s+webhook 1 \(json\)\s+pending\s+1 attempt\s+HTTP 500: internal trouble at REDACTED/);
    expect(r.stdout).not.toContain('secret-token');
    const render = await runCli('dsari-render', ['-c', site.etc]);
    expect(render.code).toBe(0);
    const page = readFileSync(join(site.data, 'html', 'j', runId, 'index.html'), 'utf8');
    expect(page).toContain('<h2>Notifications</h2>');
    expect(page).toMatch(/<th>failure<\/th><td>webhook 1 \(json\): pending, 1 attempt <small>\(HTTP 500: internal trouble at REDACTED \(\)\)<\/small>/);
    expect(page).not.toContain('secret-token');
  });
});
