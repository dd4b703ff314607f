/**
 * The daemon's signal handlers, installed the moment this module is evaluated — before the
 * configuration, the store or anything else is loaded (SPEC §5.5, §5.7). Node's default action
 * for SIGUSR1 starts the inspector and SIGHUP/SIGQUIT kill the process, so a signal arriving
 * during start-up must find a handler. Signals that arrive before the daemon is ready are kept
 * and handed over in order once it is.
 */

/** Signals the daemon handles. */
export const DAEMON_SIGNALS: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1'];

let queued: NodeJS.Signals[] = [];
let dispatch: ((signal: NodeJS.Signals) => void) | null = null;
let installed = false;

function onSignal(signal: NodeJS.Signals): void {
  if (dispatch !== null) dispatch(signal);
  // Like the kernel, keep one of each: ten SIGHUPs during start-up mean one reload.
  else if (!queued.includes(signal)) queued.push(signal);
}

/** Installs the handlers (idempotent); until {@link handleSignals} is called, signals are kept. */
export function installDaemonSignals(): void {
  if (installed) return;
  installed = true;
  for (const s of DAEMON_SIGNALS) process.on(s, onSignal);
}

/** Hands signals (those kept so far first) to `handler` from now on. */
export function handleSignals(handler: (signal: NodeJS.Signals) => void): void {
  dispatch = handler;
  const kept = queued;
  queued = [];
  for (const s of kept) handler(s);
}

/** Signals received and not yet handed over (for a start-up that fails). */
export function keptSignals(): readonly NodeJS.Signals[] {
  return queued;
}

/**
 * Whether argv asks for the daemon: `dsari-daemon …`, or `dsari [options] daemon …` (the first
 * word that is not an option or an option's value).
 */
export function argvRunsDaemon(argv: readonly string[]): boolean {
  const script = argv[1] ?? '';
  if (/dsari-daemon(\.js)?$/.test(script)) return true;
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-c' || a === '--config-dir') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a === 'daemon';
  }
  return false;
}

if (argvRunsDaemon(process.argv)) installDaemonSignals();
