/**
 * `dsari-daemon` / `dsari daemon` (SPEC §5): loads the configuration, opens the store, runs the
 * scheduler until SIGTERM/SIGINT. With `--fork` the parent starts a detached copy of itself and
 * exits 0 once that copy logged "Scheduler running" (or with its status if it failed to start).
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { SystemClock } from '../clock.js';
import { loadConfig } from '../config/index.js';
import { createDaemon, type Daemon, prepareDataDir } from '../daemon/index.js';
import { errorMessage } from '../errors.js';
import { spawnMethod } from '../executor/index.js';
import { createLogger, type LogFormat, type Logger } from '../log.js';
import { systemdNotifier } from '../ops/systemd.js';
import { createStore } from '../store/index.js';
import type { RunStore } from '../store/types.js';
import { EXIT_OK, newCommand, withGlobalOptions } from './common.js';
import { globalOptions } from './context.js';
import { handleSignals, installDaemonSignals } from './daemon-signals.js';
import { collectWhenIdle } from './idle-heap.js';
import { logFormatOf, withLogFormat } from './log-format.js';

/** Set in the environment of the detached copy started by `--fork`. */
const FORKED_ENV = 'DSARI_DAEMON_FORKED';

/** `dsari-daemon` / `dsari daemon` (SPEC §5). */
export function daemonCommand(name = 'dsari-daemon'): Command {
  return withLogFormat(withGlobalOptions(newCommand(name, 'run the dsari scheduler daemon (foreground unless --fork)')))
    .option('--fork', 'detach and run in the background; returns once the daemon is ready')
    .addHelpText(
      'after',
      `
Signals:
  SIGHUP           reload the configuration (an invalid one is rejected, the old one stays)
  SIGTERM, SIGINT  shut down (waits for running runs unless shutdown_kill_runs is set)
  SIGQUIT          log the status: running runs, concurrency groups, pending runs
  SIGUSR1          scan the trigger directory now

systemd (docs/operations.md):
  With NOTIFY_SOCKET set (Type=notify) the daemon sends READY=1, STATUS=, RELOADING=1 and
  STOPPING=1, and WATCHDOG=1 every WATCHDOG_USEC/2 from its scheduler loop. Log lines carry
  timestamps unless JOURNAL_STREAM says stderr is the journal.

Example:
  dsari-daemon -c ~/.dsari/etc           # logs "Scheduler running" when ready`,
    )
    .action(async (opts: { fork?: boolean }, cmd: Command) => {
      installDaemonSignals();
      const global = globalOptions(cmd);
      if (opts.fork === true && process.env[FORKED_ENV] === undefined) {
        process.exitCode = await forkDaemon();
        return;
      }
      await runDaemon(global.configDir, global.debug === true, logFormatOf(cmd) ?? 'text');
    });
}

async function runDaemon(configDir: string | undefined, debug: boolean, format: LogFormat): Promise<void> {
  const log = createLogger({ debug, format, service: true });
  const clock = new SystemClock();
  // The configuration cache is written once the daemon is running (or right after a reload):
  // the first start does not wait for it.
  const cacheWrite: { running: boolean; pending: (() => void) | null } = { running: false, pending: null };
  const deferCacheWrite = (write: () => void): void => {
    if (cacheWrite.running) setImmediate(write);
    else cacheWrite.pending = write;
  };
  const load = () => loadConfig({ configDir, log, deferCacheWrite });
  const config = load();
  prepareDataDir(config.dataDir);
  const store = createStore(config.database, { log, dataDir: config.dataDir });
  await store.open();
  const systemd = systemdNotifier({ env: process.env, log, clock });
  const daemon = createDaemon({ config, loadConfig: load, store, clock, log, heartbeat: systemd?.heartbeat });
  systemd?.attach(daemon);
  logSpawnMethod(log);
  // A throw anywhere in a callback must not take the runs down with the daemon.
  process.on('uncaughtException', (err) => log.error(`Internal error (the daemon keeps running): ${err.stack ?? errorMessage(err)}`));
  process.on('unhandledRejection', (err) => log.error(`Internal error (the daemon keeps running): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  // SystemClock timers do not keep Node alive; this does, until shutdown has finished.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    await daemon.start();
  } catch (err) {
    clearInterval(keepAlive);
    await store.close().catch((e: unknown) => log.error(`Cannot close the database: ${errorMessage(e)}`));
    throw err;
  }
  cacheWrite.running = true;
  cacheWrite.pending?.();
  cacheWrite.pending = null;
  collectWhenIdle();
  // The HTTP API and console (loaded only when configured); a failure to listen stops the daemon.
  const http = config.http ? await startHttp(daemon, store, clock, log).catch((err: unknown) => {
    clearInterval(keepAlive);
    throw err;
  }) : null;
  let reloadQueued = false;
  handleSignals((signal) => {
    switch (signal) {
      case 'SIGHUP':
        log.info('SIGHUP received, reloading');
        // A burst of SIGHUPs is one reload; a SIGTERM behind them is not held up.
        if (!reloadQueued) {
          reloadQueued = true;
          setImmediate(() => {
            reloadQueued = false;
            systemd?.reloading();
            daemon.reload();
            systemd?.reloadEnded();
            collectWhenIdle();
          });
        }
        break;
      case 'SIGINT':
      case 'SIGTERM':
        log.info(`${signal} received, beginning shutdown`);
        void daemon.shutdown(signal);
        break;
      case 'SIGQUIT':
        daemon.logStatus();
        break;
      case 'SIGUSR1':
        log.debug('SIGUSR1 received, scanning triggers');
        daemon.scanTriggers();
        break;
      default:
        break;
    }
  });
  if (process.send !== undefined && process.env[FORKED_ENV] !== undefined) {
    process.send('ready');
    process.disconnect();
  }
  await daemon.done;
  await http?.close();
  clearInterval(keepAlive);
  process.exitCode = EXIT_OK;
}

async function startHttp(daemon: Daemon, store: RunStore, clock: SystemClock, log: Logger): Promise<{ close(): Promise<void> }> {
  const http = daemon.currentConfig.http;
  if (!http) throw new Error('startHttp without http configuration');
  try {
    const { startHttpServer } = await import('../http/server.js');
    const { controlOf } = await import('../http/daemon-control.js');
    return await startHttpServer({ control: controlOf(daemon, store, clock), http, log });
  } catch (err) {
    log.error(`${errorMessage(err)}; shutting down`);
    await daemon.shutdown('http');
    throw err;
  }
}

/** Says how runs are started: natively, or with child_process and why (a warning if not chosen). */
function logSpawnMethod(log: Logger): void {
  const { method, reason, chosen, reaper, reaperReason } = spawnMethod();
  if (method === 'posix_spawn') {
    log.info('Runs are started with posix_spawn (the native starter)');
    if (reaper) log.info('Exit statuses are kept by dsari-reaper, the parent of the runs');
    else log.info(`Exit statuses are kept by the /bin/sh wrapper around each run (${reaperReason ?? 'no dsari-reaper'})`);
  }
  else if (chosen) log.info(`Runs are started with child_process (${reason ?? 'chosen'})`);
  else log.warning(`Runs are started with child_process, slower in bursts of many runs: ${reason ?? 'unknown reason'}`);
}

/** Starts a detached copy of this command and waits until it is ready; returns the exit status. */
function forkDaemon(): Promise<number> {
  const args = process.argv.slice(1).filter((a) => a !== '--fork');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [FORKED_ENV]: '1' },
  });
  return new Promise((resolve) => {
    child.once('message', (m) => {
      if (m !== 'ready') return;
      child.disconnect();
      child.unref();
      resolve(EXIT_OK);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', (err) => {
      process.stderr.write(`dsari-daemon: cannot start the background daemon: ${err.message}\n`);
      resolve(1);
    });
  });
}
