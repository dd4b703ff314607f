/**
 * The `skipped` event (SPEC-BEYOND §12.2, §12.6): a scheduled fire dropped by `overlap: skip`
 * starts nothing and records no run, yet a notifier that lists `skipped` is told, through the
 * outbox like every other notification, by the built daemon against a real local webhook server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, waitFor } from '../helpers/index.js';
import { Site } from '../integration/daemon-helpers.js';
import { WebhookServer } from './webhook-server.js';

let site: Site | null = null;
const servers: WebhookServer[] = [];
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  for (const s of servers.splice(0)) await s.close();
  site?.cleanup();
  site = null;
});

describe('notifications of skipped fires', () => {
  it('a notifier listing skipped gets a webhook for each fire skipped while the job runs; others get none', async () => {
    const server = await new WebhookServer().start();
    servers.push(server);
    site = new Site(`
jobs:
  slow:
    command: [/bin/sh, -c, 'sleep 2.5']
    schedule: "* * * * * *"
    overlap: skip
    notify:
      - on: [skipped]
        webhook: ${JSON.stringify(server.url())}
  quiet:
    command: [/bin/sh, -c, 'sleep 2.5']
    schedule: "* * * * * *"
    overlap: skip
`);
    const d = await site.startReady();
    await d.waitForOutput(/\[slow [^\]]+\] Scheduled run for .* skipped/);
    const bodies = await waitFor('two skipped notifications', () => {
      const got = server.received.map((r) => JSON.parse(r.body) as { event: string; job: string; run: { run_id: string } });
      if (!d.running) throw new Error(d.stderr);
      return got.length >= 2 ? got : false;
    });
    await d.stop();
    expect(bodies.every((b) => b.event === 'skipped' && b.job === 'slow')).toBe(true);
    // Nothing was recorded for the skipped fires: their run ids are not in runs.
    const ids = new Set(site.rows().map((r) => r.run_id));
    for (const b of bodies) expect(ids.has(b.run.run_id)).toBe(false);
  });
});
