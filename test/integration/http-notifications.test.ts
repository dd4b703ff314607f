/**
 * A run's notifications over HTTP (SPEC-BEYOND §12.6, §13): `GET /api/v1/runs/{id}/notifications`
 * and the console's run page show what each notifier was told and how it went, against the built
 * daemon with a real command notifier.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, waitFor } from '../helpers/index.js';
import { call, type HttpDaemon, startHttpDaemon } from './http-helpers.js';

let h: HttpDaemon | null = null;
afterEach(async () => {
  await h?.daemon.stop();
  expect(await killLeftovers()).toBe(0);
  h?.site.cleanup();
  h = null;
});

interface Notes {
  notifications: Array<{ event: string; notifier: string; state: string; attempts: number; last_error: string | null }>;
}

describe('HTTP API: notifications', () => {
  it('a failed run: its failure notification, delivered, in the API and on the run page', async () => {
    h = await startHttpDaemon(`
jobs:
  broken:
    command: [/bin/sh, -c, 'exit 3']
    notify:
      - on: [failure]
        command: [/bin/true]
`);
    const daemon = h;
    const t = await call(daemon.base, '/api/v1/jobs/broken/trigger', { method: 'POST', token: daemon.tokens.operate, body: {} });
    expect(t.status).toBe(202);
    const id = t.json<{ run_id: string }>().run_id;
    const notes = await waitFor('the notification delivered', async () => {
      const r = await call(daemon.base, `/api/v1/runs/${id}/notifications`, { token: daemon.tokens.read });
      const n = r.json<Notes>().notifications;
      return n.length === 1 && n[0]!.state === 'delivered' ? n : false;
    });
    expect(notes).toEqual([expect.objectContaining({ event: 'failure', notifier: 'command 1 (/bin/true)', state: 'delivered', attempts: 1, last_error: null })]);
    const page = await call(daemon.base, `/runs/${id}`, { token: daemon.tokens.read });
    expect(page.text).toContain('<section class="card" id="notifications"><h2>Notifications</h2><ul><li><strong>failure</strong> by command 1 (/bin/true): delivered</li>');
    expect((await call(daemon.base, `/api/v1/runs/${id}/notifications`)).status).toBe(401);
    const none = await call(daemon.base, '/api/v1/runs/00000000-0000-4000-8000-000000000000/notifications', { token: daemon.tokens.read });
    expect(none.json<Notes>()).toEqual({ notifications: [] });
  });
});
