/** The outbox in the metrics: depth and failures, promtool-clean; absent without notifications. */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatExposition } from '../../src/metrics/exposition.js';
import { notificationFamilies } from '../../src/notify/metrics.js';
import { dueNotifications, recordAttempt } from '../../src/notify/outbox.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { makeTempDir } from '../helpers/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function store(): Promise<SqliteStore> {
  const tmp = makeTempDir('dsari-notify-metrics-');
  cleanups.push(tmp.cleanup);
  const s = new SqliteStore(join(tmp.path, 'dsari.sqlite3'));
  await s.open();
  cleanups.push(() => s.close());
  return s;
}

describe('notificationFamilies', () => {
  it('nothing at all while the outbox has never held a notification', async () => {
    expect(await notificationFamilies(await store())).toEqual([]);
  });

  it('the outbox depth and the notifications given up', async () => {
    const s = await store();
    for (let i = 0; i < 3; i++) {
      const runId = randomUUID();
      await s.finishRun({ jobName: 'j', runId, scheduleTime: 1, startTime: 1, stopTime: 2, exitCode: 1, triggerType: 'schedule', triggerData: {}, runData: {} }, undefined, [
        { jobName: 'j', runId, event: 'failure', notifier: '1:x', label: 'webhook 1 (json)', createdAt: 2 },
      ]);
    }
    const [first] = await dueNotifications(s.sqlRunner(), 10, 1);
    await recordAttempt(s.sqlRunner(), first!.id, { state: 'failed', error: 'HTTP 500', nextAttempt: 10, finishedAt: 10 });
    const text = formatExposition(await notificationFamilies(s));
    expect(text).toContain('dsari_notification_outbox_depth 2\n');
    expect(text).toContain('dsari_notifications_failed_total 1\n');
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error === undefined) expect({ status: promtool.status, out: promtool.stdout + promtool.stderr }).toEqual({ status: 0, out: '' });
  });
});
