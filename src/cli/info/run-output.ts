/** `dsari-info run output RUN_ID` (SPEC §9): a run's output, plain, gzip or xz, running runs too. */
import { UsageError } from '../../errors.js';
import { OutputError, openRunOutput, runDirectory } from '../../report/output.js';
import type { RunStore } from '../../store/types.js';
import type { CliContext } from '../context.js';
import { withOutput } from '../output.js';
import { ControlStripper } from '../sanitise.js';

/** Prints the output of run `runId`. @throws UsageError for an unknown run, OutputError without output */
export async function runOutput(ctx: CliContext, store: RunStore, runId: string): Promise<void> {
  const run = await store.getRun(runId);
  if (run === null) throw new UsageError(`cannot find run ID ${runId}`);
  const dir = runDirectory(ctx.config.dataDir, run.jobName, run.runId);
  let opened;
  try {
    opened = await openRunOutput(dir);
  } catch (err) {
    if (err instanceof OutputError && err.missing) {
      throw new OutputError(
        `run ${run.runId} (job ${run.jobName}${run.running ? ', running' : ''}) has no output file in ${dir}`,
        { runDir: dir, missing: true },
        { cause: err },
      );
    }
    throw err;
  }
  const { stream } = opened;
  await withOutput(async (out) => {
    // On a terminal, only colour sequences of the run's output reach it.
    const stripper = out.terminal.isTty ? new ControlStripper() : null;
    for await (const chunk of stream) {
      if (out.closed) break;
      await out.write(stripper ? stripper.push(chunk as Buffer) : (chunk as Buffer));
    }
    if (stripper && !out.closed) await out.write(stripper.flush());
    stream.destroy();
  });
}
