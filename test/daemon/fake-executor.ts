/** A fake executor: runs are promises the test ends with `end(runId, status)`. */
import type { Clock } from '../../src/clock.js';
import type { AdoptSpec, LaunchSpec, RunExecutor, RunOutcome, RunProcess } from '../../src/daemon/ports.js';

export interface FakeRun {
  readonly spec: LaunchSpec | AdoptSpec;
  readonly pid: number;
  terminated: Array<number | null>;
  end(exitCode: number, extra?: Partial<RunOutcome>): void;
}

export class FakeExecutor implements RunExecutor {
  readonly runs = new Map<string, FakeRun>();
  readonly started: string[] = [];
  alive = new Set<number>();
  exitStatus = new Map<string, { exitCode: number; stopTime: number | null }>();
  returnData = new Map<string, { data?: Record<string, unknown>; error?: string }>();
  /** Commands (argv[0]) that "do not exist". */
  missing = new Set<string>();
  private nextPid = 1000;

  constructor(private readonly clock: Clock) {}

  private make(spec: LaunchSpec | AdoptSpec, pid: number, argv: readonly string[]): RunProcess {
    let resolve!: (o: RunOutcome) => void;
    const exited = new Promise<RunOutcome>((r) => (resolve = r));
    const run: FakeRun = {
      spec,
      pid,
      terminated: [],
      end: (exitCode, extra = {}) =>
        resolve({ exitCode, stopTime: this.clock.now(), spawnError: null, lostReason: null, timedOut: false, signal: null, ...extra }),
    };
    this.runs.set(spec.runId, run);
    return { pid, processStartTime: 4242, argv, exited, terminate: (grace) => run.terminated.push(grace) };
  }

  start(spec: LaunchSpec): RunProcess {
    this.started.push(spec.runId);
    const argv = [...spec.job.command];
    if (this.missing.has(argv[0] ?? '')) {
      return {
        pid: null,
        processStartTime: null,
        argv,
        exited: Promise.resolve({ exitCode: 127, stopTime: this.clock.now(), spawnError: `${argv[0]}: command not found`, lostReason: null, timedOut: false, signal: null }),
        terminate: () => undefined,
      };
    }
    return this.make(spec, this.nextPid++, argv);
  }

  adopt(spec: AdoptSpec): RunProcess {
    return this.make(spec, spec.pid, []);
  }

  isAlive(pid: number): boolean {
    return this.alive.has(pid);
  }

  readExitStatus(runDir: string): { exitCode: number; stopTime: number | null } | null {
    return this.exitStatus.get(runDir) ?? null;
  }

  readReturnData(runDir: string): { data?: Record<string, unknown>; error?: string } {
    return this.returnData.get(runDir) ?? {};
  }

  identityViolations(env: Readonly<Record<string, unknown>>): string[] {
    return ['JOB_NAME', 'RUN_ID'].filter((k) => k in env);
  }

  run(runId: string): FakeRun {
    const r = this.runs.get(runId);
    if (!r) throw new Error(`no run ${runId}; started: ${this.started.join(', ')}`);
    return r;
  }
}
