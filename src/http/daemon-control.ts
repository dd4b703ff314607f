/**
 * The {@link DaemonControl} port implemented by the daemon: a thin adapter over the methods the
 * Daemon class offers, so that the HTTP layer depends on the port and not on the class.
 */
import type { Daemon } from '../daemon/daemon.js';
import type { Clock } from '../clock.js';
import { PAUSE_ALL, type RunStore } from '../store/types.js';
import type { CancelOutcome, DaemonControl, PauseInfo } from './control-port.js';

export function controlOf(daemon: Daemon, store: RunStore, clock: Clock): DaemonControl {
  return {
    config: () => daemon.currentConfig,
    dataDir: daemon.dataDir,
    store,
    events: daemon.events,
    clock,
    status: () => daemon.schedulerStatus(),
    pendingRuns: () => daemon.pendingRuns(),
    runningRuns: () => daemon.runningRuns(),
    scheduling: () => daemon.scheduling,
    nextFireTime: (job, after) => daemon.nextFireTime(job, after),
    triggerContext: (mtime) => daemon.triggerContext(mtime),
    submitTrigger: (t) => daemon.submitTrigger(t),
    reload: () => {
      let error = 'the configuration was not reloaded (the daemon is shutting down)';
      const off = daemon.events.on('reloadFailed', (e) => (error = e.error));
      try {
        return daemon.reload() ? { ok: true, jobs: daemon.currentConfig.jobs.size } : { ok: false, error };
      } finally {
        off();
      }
    },
    pause: (job, by, reason) => daemon.pause(job, by, reason),
    resume: (job, by) => daemon.resume(job, by),
    pauses: async (): Promise<PauseInfo[]> =>
      (await store.listPauses()).map((p) => ({ job: p.jobName === PAUSE_ALL ? null : p.jobName, by: p.pausedBy, reason: p.reason, since: p.pausedAt })),
    cancelRun: (runId, by): Promise<CancelOutcome> => daemon.cancelRun(runId, by),
  };
}
