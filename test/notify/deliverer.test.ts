/**
 * The background deliverer (SPEC-BEYOND §12.6) on a real SQLite store against a real local
 * HTTP server: retries with back-off while the server fails or is gone, delivers when it comes
 * back, gives up 24 h after the notification was written, drops a notification whose notifier
 * left the configuration, and never logs a secret.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { Logger, MemorySink } from '../../src/log.js';
import { NotificationDeliverer, retryDelaySeconds } from '../../src/notify/deliverer.js';
import { notifierKey, notifierLabel } from '../../src/notify/identity.js';
import { runNotifications } from '../../src/notify/outbox.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { FinishedRun } from '../../src/store/types.js';
import { makeTempDir, waitFor } from '../helpers/index.js';
import { WebhookServer } from './webhook-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(server: WebhookServer, createdAgo = 0) {
  const tmp = makeTempDir('dsari-deliverer-');
  cleanups.push(tmp.cleanup);
  const etc = join(tmp.path, 'etc');
  mkdirSync(etc);
  writeFileSync(
    join(etc, 'dsari.yaml'),
    `data_dir: ${JSON.stringify(join(tmp.path, 'var'))}
jobs:
  j:
    command: [/bin/false]
    notify:
      - on: [failure]
        webhook: ${JSON.stringify(server.url())}
        headers: {X-Api-Key: "key-SECRET-42"}
        timeout: 2
`,
  );
  let config: Config = loadConfig({ configDir: etc, env: { HOME: tmp.path } });
  const store = new SqliteStore(join(tmp.path, 'var', 'dsari.sqlite3'));
  await store.open();
  cleanups.push(() => store.close());
  const notifier = config.jobs.get('j')!.notify![0]!;
  const now = Date.now() / 1000;
  const run: FinishedRun = { jobName: 'j', runId: randomUUID(), scheduleTime: now, startTime: now, stopTime: now, exitCode: 1, triggerType: 'schedule', triggerData: {}, runData: {} };
  await store.finishRun(run, undefined, [{ jobName: 'j', runId: run.runId, event: 'failure', notifier: notifierKey(notifier, 0), label: notifierLabel(notifier, 0), createdAt: now - createdAgo }]);
  const sink = new MemorySink();
  const deliverer = new NotificationDeliverer({
    store,
    sql: store.sqlRunner(),
    clock: new SystemClock(),
    log: new Logger({ sink }),
    config: () => config,
    dataDir: config.dataDir,
    retryBaseSeconds: 0.2,
  });
  cleanups.push(() => deliverer.stop());
  const rows = () => runNotifications(store.sqlRunner(), run.runId);
  return { deliverer, sink, rows, run, setConfig: (c: Config) => (config = c), config };
}

describe('NotificationDeliverer', () => {
  it('retries with back-off while the server fails, then is refused, and delivers once it is back', async () => {
    const server = await new WebhookServer().start();
    cleanups.push(() => server.close());
    server.mode = 'fail';
    const { deliverer, sink, rows } = await setup(server);
    deliverer.start();
    await waitFor('two failed attempts', async () => (await rows())[0]!.attempts >= 2);
    const port = server.port;
    await server.close();
    await waitFor('a refused attempt', async () => (await rows())[0]!.lastError === 'connection refused', { timeoutMs: 30_000 });
    server.mode = 'ok';
    await server.start(port);
    await waitFor('delivered', async () => (await rows())[0]!.state === 'delivered', { timeoutMs: 30_000 });
    const [row] = await rows();
    expect(row!.attempts).toBeGreaterThanOrEqual(4);
    const log = sink.lines.join('\n');
    expect(log).toMatch(/WARNING: \[j \S+\] Notification "failure" by webhook 1 \(json\) failed \(attempt 1\): HTTP 500: internal trouble at REDACTED \(\); next attempt in 0 s/);
    expect(log).toMatch(/failed \(attempt \d\): connection refused/);
    expect(log).toMatch(/INFO: \[j \S+\] Notification "failure" by webhook 1 \(json\) delivered \(attempt \d+\)/);
    expect(log).not.toContain('secret-token');
    expect(log).not.toContain('key-SECRET-42');
    expect(server.received.at(-1)!.headers['x-api-key']).toBe('key-SECRET-42');
  });

  it('gives up 24 h after the notification was written: failed for good, logged as an error', async () => {
    const server = await new WebhookServer().start();
    cleanups.push(() => server.close());
    server.mode = 'fail';
    const { deliverer, sink, rows } = await setup(server, 24 * 3600 - 0.1);
    deliverer.start();
    await waitFor('given up', async () => (await rows())[0]!.state === 'failed');
    expect((await rows())[0]).toMatchObject({ attempts: 1, lastError: 'HTTP 500: internal trouble at REDACTED ()' });
    expect(sink.lines.join('\n')).toMatch(/ERROR: \[j \S+\] Notification "failure" by webhook 1 \(json\) failed for good after 1 attempts over 24 h/);
  });

  it('a hanging webhook holds only its own notification and ends at its timeout', async () => {
    const server = await new WebhookServer().start();
    cleanups.push(() => server.close());
    server.mode = 'hang';
    const { deliverer, rows } = await setup(server);
    deliverer.start();
    await waitFor('timed out attempt', async () => (await rows())[0]!.lastError === 'no complete answer within 2 s', { timeoutMs: 30_000 });
  });

  it('a notification whose notifier is no longer configured is dropped, not sent elsewhere', async () => {
    const server = await new WebhookServer().start();
    cleanups.push(() => server.close());
    const { deliverer, rows, setConfig, config } = await setup(server);
    setConfig({ ...config, jobs: new Map([['j', { ...config.jobs.get('j')!, notify: [] }]]) });
    deliverer.start();
    await waitFor('dropped', async () => (await rows())[0]!.state === 'dropped');
    expect(server.received).toHaveLength(0);
  });

  it('back-off doubles from the base up to an hour', () => {
    expect([1, 2, 3, 4, 20].map((n) => retryDelaySeconds(n))).toEqual([30, 60, 120, 240, 3600]);
  });
});
