/**
 * The daemon's own metrics (SPEC-BEYOND §13.1 `/metrics`), named as Prometheus asks (counters end
 * in `_total`, units in the name) so that `promtool check metrics` has nothing to say about them:
 * the scheduler's lag, pending / waiting / running runs, triggers, runs started and finished, and
 * HTTP requests by route and status.
 */
import type { DaemonEvents } from '../daemon/events.js';
import type { TypedEmitter } from '../daemon/events.js';
import { escapeLabelValue, formatFloat } from '../metrics/exposition.js';
import type { SchedulerStatus } from '../daemon/types.js';

/** Upper bounds (seconds) of the scheduler lag histogram: from a millisecond to a minute. */
export const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

class Histogram {
  readonly counts = new Array<number>(LAG_BUCKETS.length).fill(0);
  count = 0;
  sum = 0;

  observe(v: number): void {
    this.count++;
    this.sum += v;
    // Cumulative, as the exposition wants: a value counts in every bucket whose bound it is under.
    LAG_BUCKETS.forEach((bound, i) => {
      if (v <= bound) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }
}

function labels(l: Record<string, string>): string {
  const keys = Object.keys(l).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabelValue(l[k] ?? '')}"`).join(',')}}`;
}

export class HttpMetrics {
  private readonly lag = new Map<string, Histogram>();
  private triggersAccepted = 0;
  private readonly triggersRejected = new Map<string, number>();
  private runsStarted = 0;
  private readonly firesSkipped = new Map<string, number>();
  private retries = 0;
  private readonly cancelled = new Map<string, number>();
  private readonly runsFinished = new Map<string, number>();
  private readonly requests = new Map<string, { method: string; route: string; status: string; n: number }>();
  private readonly off: Array<() => void> = [];

  constructor(events: TypedEmitter<DaemonEvents>) {
    this.off.push(
      events.on('runStarted', (e) => {
        this.runsStarted++;
        const h = this.lag.get(e.triggerType) ?? new Histogram();
        h.observe(Math.max(0, e.startTime - e.scheduleTime));
        this.lag.set(e.triggerType, h);
      }),
      events.on('runFinished', (e) => this.runsFinished.set(e.outcome, (this.runsFinished.get(e.outcome) ?? 0) + 1)),
      events.on('triggerAccepted', () => this.triggersAccepted++),
      events.on('triggerRejected', () => this.triggerRejected('file')),
      events.on('fireSkipped', (e) => this.firesSkipped.set(e.reason, (this.firesSkipped.get(e.reason) ?? 0) + 1)),
      events.on('retryScheduled', () => this.retries++),
      events.on('runCancelled', (e) => this.cancelled.set(e.pending ? 'pending' : 'running', (this.cancelled.get(e.pending ? 'pending' : 'running') ?? 0) + 1)),
    );
  }

  /** A trigger refused before it became a run: `file` (the trigger directory) or `http`. */
  triggerRejected(source: 'file' | 'http'): void {
    this.triggersRejected.set(source, (this.triggersRejected.get(source) ?? 0) + 1);
  }

  request(method: string, route: string, status: number): void {
    const key = `${method} ${route} ${status}`;
    const r = this.requests.get(key);
    if (r !== undefined) r.n++;
    else this.requests.set(key, { method, route, status: String(status), n: 1 });
  }

  stop(): void {
    for (const f of this.off) f();
  }

  /** The exposition text of these metrics, with the scheduler's state at this moment. */
  render(status: Pick<SchedulerStatus, 'pending'>, running: number, startTime: number, streams: number): string {
    let out = '';
    const family = (name: string, type: string, help: string, lines: string[]): void => {
      if (lines.length === 0) return;
      out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join('\n')}\n`;
    };
    const waiting = status.pending.filter((p) => p.waiting).length;
    family('dsari_daemon_runs_pending', 'gauge', 'Runs that exist and have not started (scheduled, triggered, waiting)', [`dsari_daemon_runs_pending ${status.pending.length}`]);
    family('dsari_daemon_runs_waiting', 'gauge', 'Due runs waiting for a free slot (their job running or a concurrency group full)', [`dsari_daemon_runs_waiting ${waiting}`]);
    family('dsari_daemon_runs_running', 'gauge', 'Runs running now', [`dsari_daemon_runs_running ${running}`]);
    family('dsari_daemon_start_time_seconds', 'gauge', 'When the daemon started, seconds since epoch', [`dsari_daemon_start_time_seconds ${formatFloat(startTime)}`]);
    const lagLines: string[] = [];
    for (const [type, h] of [...this.lag.entries()].sort()) {
      LAG_BUCKETS.forEach((b, i) => {
        lagLines.push(`dsari_scheduler_lag_seconds_bucket${labels({ trigger_type: type, le: String(b) })} ${h.counts[i] ?? 0}`);
      });
      lagLines.push(`dsari_scheduler_lag_seconds_bucket${labels({ trigger_type: type, le: '+Inf' })} ${h.count}`);
      lagLines.push(`dsari_scheduler_lag_seconds_sum${labels({ trigger_type: type })} ${formatFloat(h.sum)}`);
      lagLines.push(`dsari_scheduler_lag_seconds_count${labels({ trigger_type: type })} ${h.count}`);
    }
    family('dsari_scheduler_lag_seconds', 'histogram', 'Seconds from a run\'s schedule time to its start', lagLines);
    family('dsari_daemon_runs_started_total', 'counter', 'Runs started since the daemon started', [`dsari_daemon_runs_started_total ${this.runsStarted}`]);
    family('dsari_daemon_runs_finished_total', 'counter', 'Runs ended since the daemon started, by outcome', [...this.runsFinished.entries()].sort().map(([o, n]) => `dsari_daemon_runs_finished_total${labels({ outcome: o })} ${n}`));
    family('dsari_daemon_triggers_accepted_total', 'counter', 'Triggers accepted (files and HTTP) since the daemon started', [`dsari_daemon_triggers_accepted_total ${this.triggersAccepted}`]);
    family('dsari_daemon_triggers_rejected_total', 'counter', 'Triggers refused since the daemon started, by source', [...this.triggersRejected.entries()].sort().map(([s, n]) => `dsari_daemon_triggers_rejected_total${labels({ source: s })} ${n}`));
    family('dsari_daemon_fires_skipped_total', 'counter', 'Scheduled fires skipped since the daemon started, by reason (running: overlap skip; paused)', [...this.firesSkipped.entries()].sort().map(([r, n]) => `dsari_daemon_fires_skipped_total${labels({ reason: r })} ${n}`));
    family('dsari_daemon_retries_scheduled_total', 'counter', 'Retries scheduled after failed runs since the daemon started', [`dsari_daemon_retries_scheduled_total ${this.retries}`]);
    family('dsari_daemon_runs_cancelled_total', 'counter', 'Runs cancelled since the daemon started, by what they were (running or pending)', [...this.cancelled.entries()].sort().map(([w, n]) => `dsari_daemon_runs_cancelled_total${labels({ was: w })} ${n}`));
    family('dsari_http_requests_total', 'counter', 'HTTP requests answered, by method, route and status', [...this.requests.values()].sort((a, b) => (a.route + a.method + a.status < b.route + b.method + b.status ? -1 : 1)).map((r) => `dsari_http_requests_total${labels({ method: r.method, route: r.route, status: r.status })} ${r.n}`));
    family('dsari_http_event_streams', 'gauge', 'Server-sent event streams open now (output followers and live pages)', [`dsari_http_event_streams ${streams}`]);
    return out;
  }
}
