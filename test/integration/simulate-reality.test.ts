/**
 * The simulation agrees with reality (SPEC-BEYOND §15): the built daemon runs every-second
 * jobs of known durations, some sharing concurrency groups, for about 30 seconds; then
 * `dsari simulate` replays the same window with the durations the daemon recorded (the median
 * of each job's history, read from the daemon's store). The runs must be the same, in the same
 * order within each group, and each start within START_TOLERANCE of the real one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, runCli } from '../helpers/index.js';
import { type Row, Site } from './daemon-helpers.js';

/**
 * Seconds a simulated start may differ from the real one. The simulation starts a run at its
 * schedule time or the instant a slot frees; the daemon a little later (timer, process start and
 * exit latency): about 0.01 s on a quiet machine, 0.17 s seen on a loaded one (load 7 on 2 cores).
 */
const START_TOLERANCE = 0.5;
/** How long the daemon runs, in seconds of schedule time compared. */
const WINDOW = 30;

/**
 * Groups: `one` has one slot for three jobs, `two` has two for three; `index` has none. The job
 * names are chosen for their hashed sub-second offsets (`dsari schedule --job NAME "* * * * * *"`):
 * feed .138, load .145, ping .148 collide in `one` (load waits for feed, ping for both);
 * copy .304, mail .317, push .372 in `two` (push waits for copy); index at .502. Every chain
 * ends well inside its second, so no fire is near the end of a run it would wait for.
 */
const ONE = ['feed', 'load', 'ping'];
const TWO = ['copy', 'mail', 'push'];
const CONFIG = `
concurrency_groups:
  one:
    max: 1
  two:
    max: 2
jobs:
${ONE.map((j) => `  ${j}:\n    command: [/bin/sleep, "0.1"]\n    schedule: "* * * * * *"\n    concurrency_groups: [one]\n`).join('')}
${TWO.map((j) => `  ${j}:\n    command: [/bin/sleep, "0.15"]\n    schedule: "* * * * * *"\n    concurrency_groups: [two]\n`).join('')}
  index:
    command: [/bin/sleep, "0.05"]
    schedule: "* * * * * *"
`;

interface SimEvent {
  type: string;
  epoch: number;
  job: string;
  run: number;
  schedule_time?: string;
  concurrency_group?: string | null;
}

let site: Site | null = null;
afterEach(async () => {
  expect(await killLeftovers()).toBe(0);
  site?.cleanup();
  site = null;
});

const key = (job: string, schedule: number): string => `${job}@${schedule.toFixed(3)}`;

describe('dsari simulate agrees with the daemon', () => {
  it(`the same runs, the same order in each group, starts within ${START_TOLERANCE} s`, async () => {
    site = new Site(CONFIG);
    const daemon = await site.startReady();
    const first = (await site.waitRows(1))[0] as Row;
    await site.waitRows(1, (r) => r.schedule_time >= first.schedule_time + WINDOW + 3, 90_000);
    await daemon.stop();
    expect(daemon.exitCode).toBe(0);
    const real = site.rows();
    // Schedules step in whole seconds (a fire in second S comes after any time in second S-1),
    // and the daemon's first fires are in the second after it started: start the window in the
    // second before them.
    const from = Math.floor(Math.min(...real.map((r) => r.schedule_time))) - 0.5;
    const cutoff = from + WINDOW;
    const sim = await runCli('dsari', ['simulate', '-c', site.etc, '--from', String(from), '--until', String(cutoff + 5), '--format', 'json', '--timezone', 'UTC'], { env: { TZ: 'UTC' } });
    expect(sim.code, sim.stderr).toBe(0);
    const doc = JSON.parse(sim.stdout) as { jobs: Array<{ name: string; duration: number; duration_source: string }>; events: SimEvent[] };
    for (const j of doc.jobs) expect(j.duration_source, j.name).toBe('median');

    // Simulated starts, with the schedule time from the run's fire event.
    const scheduleOf = new Map<number, number>();
    for (const e of doc.events) if (e.type === 'fire') scheduleOf.set(e.run, Date.parse(e.schedule_time ?? '') / 1000);
    const simRuns = doc.events
      .filter((e) => e.type === 'start')
      .map((e) => ({ job: e.job, schedule: scheduleOf.get(e.run) ?? NaN, start: e.epoch, group: e.concurrency_group ?? null }))
      .filter((r) => r.schedule <= cutoff);
    const realRuns = real
      .filter((r) => r.schedule_time <= cutoff)
      .map((r) => ({ job: r.job_name, schedule: r.schedule_time, start: r.start_time, group: (JSON.parse(r.run_data) as { concurrency_group?: string }).concurrency_group ?? null }));

    // The same runs: every job fired every second (nothing skipped) in both.
    expect(realRuns.length).toBeGreaterThanOrEqual(7 * (WINDOW - 1));
    expect(simRuns.map((r) => key(r.job, r.schedule)).sort()).toEqual(realRuns.map((r) => key(r.job, r.schedule)).sort());

    // The same order within each group. Runs the daemon started at one look at the clock share
    // a start time; the core hands them out in schedule order, so that breaks the tie.
    for (const group of ['one', 'two']) {
      const order = (runs: typeof simRuns) => runs.filter((r) => r.group === group).sort((x, y) => x.start - y.start || x.schedule - y.schedule).map((r) => key(r.job, r.schedule));
      expect(order(simRuns), `order in group ${group}`).toEqual(order(realRuns));
    }

    // Start times within the tolerance; in group `one` runs really waited, in both.
    const simStart = new Map(simRuns.map((r) => [key(r.job, r.schedule), r.start]));
    const worst = Math.max(...realRuns.map((r) => Math.abs((simStart.get(key(r.job, r.schedule)) ?? Infinity) - r.start)));
    process.stderr.write(`simulate vs daemon: ${realRuns.length} runs, worst start difference ${worst.toFixed(3)} s (tolerance ${START_TOLERANCE} s)\n`);
    expect(worst).toBeLessThanOrEqual(START_TOLERANCE);
    const waited = (runs: typeof simRuns, group: string) => runs.filter((r) => r.group === group && r.start - r.schedule > 0.05).length;
    for (const group of ['one', 'two']) {
      expect(waited(simRuns, group), `runs that waited in ${group}`).toBeGreaterThanOrEqual(WINDOW - 2);
      expect(Math.abs(waited(simRuns, group) - waited(realRuns, group))).toBeLessThanOrEqual(2);
    }
  }, 180_000);
});
