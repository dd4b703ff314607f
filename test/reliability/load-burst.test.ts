/**
 * Load on the BUILT daemon: 5,000 jobs configured, 1,000 triggers written within about a second
 * for jobs sharing a concurrency group of max 3. Every run is recorded exactly once, and the
 * group limit is never exceeded — checked from the recorded start/stop times alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers } from '../helpers/index.js';
import { type Row, Site } from '../integration/daemon-helpers.js';

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

const JOBS = 5000;
const BURST = 1000;
const MAX = 3;

/**
 * The most runs ever running at once: a sweep over start/stop events (at equal times a stop
 * comes first, as the daemon frees a slot before it starts the next run).
 */
function maxOverlap(rows: readonly Pick<Row, 'start_time' | 'stop_time'>[]): number {
  const events: Array<[number, number]> = [];
  for (const r of rows) {
    events.push([r.start_time, 1]);
    events.push([r.stop_time ?? Infinity, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) {
    now += d;
    max = Math.max(max, now);
  }
  return max;
}

describe('load: many jobs and a burst of triggers', () => {
  it('the sweep finds overlaps (self-check of the checker)', () => {
    expect(maxOverlap([{ start_time: 0, stop_time: 2 }, { start_time: 1, stop_time: 3 }, { start_time: 2, stop_time: 4 }])).toBe(2);
    expect(maxOverlap([{ start_time: 0, stop_time: 1 }, { start_time: 1, stop_time: 2 }])).toBe(1);
  });

  it(`${JOBS} jobs, ${BURST} triggers within a second into a group of max ${MAX}: each run recorded once, the limit never exceeded`, async () => {
    const lines = ['concurrency_groups:', `  g: {max: ${MAX}}`, 'jobs:'];
    for (let i = 0; i < JOBS; i++) {
      lines.push(`  j${i}:`, '    command: /bin/true');
      if (i < BURST) lines.push('    concurrency_groups: [g]');
      else lines.push(`    schedule: '0 0 1 1 *'`);
    }
    site = new Site(`${lines.join('\n')}\n`);
    const d = await site.startReady();
    const t0 = Date.now();
    for (let i = 0; i < BURST; i++) site.trigger(`j${i}`, { environment: { N: String(i) } });
    const writeMs = Date.now() - t0;
    console.log(`${BURST} triggers written in ${writeMs} ms`);
    expect(writeMs).toBeLessThan(5_000);
    const rows = await site.waitRows(BURST, () => true, 120_000);
    const took = (Date.now() - t0) / 1000;
    console.log(`${BURST} runs recorded ${took.toFixed(1)} s after the first trigger`);
    expect(d.running).toBe(true);
    await d.stop();
    expect(d.exitCode).toBe(0);

    const all = site.rows();
    expect(all).toHaveLength(BURST);
    expect(new Set(all.map((r) => r.run_id)).size).toBe(BURST);
    expect(new Set(all.map((r) => r.job_name)).size).toBe(BURST);
    expect(site.rows('runs_running')).toEqual([]);
    expect(all.every((r) => r.exit_code === 0 && r.trigger_type === 'file')).toBe(true);
    expect(all.every((r) => JSON.parse(r.run_data)['concurrency_group'] === 'g')).toBe(true);
    const overlap = maxOverlap(all);
    expect(overlap).toBeLessThanOrEqual(MAX);
    // The group was used, not serialised to one.
    expect(overlap).toBe(MAX);
    expect(rows.length).toBeGreaterThanOrEqual(BURST);
    expect(site.rejected('j0')).toEqual([]);
  }, 180_000);
});
