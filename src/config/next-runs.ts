/**
 * Next scheduled runs kept between commands (issue 15, docs/configuration.md "Next runs kept
 * between commands"). `dsari-info job list` shows every job's next run: with 10,000 jobs,
 * compiling the schedules and finding their next times was a fifth of the command. A next fire
 * time F found at time T stays the answer for a while (a cron schedule's until a second before
 * F: Schedule.keptUntil); so the command keeps what it found in a cache file beside the
 * configuration cache, and the next command takes an entry while its `now` is in that interval
 * and the job's schedule, zone and name are the ones it was found for. Schedules whose times
 * cannot be kept (`R` forms, which draw new values at every evaluation; RRULEs) are computed
 * every time.
 *
 * The file holds the build of dsari (its schedule engine) and the Node.js time zone data it was
 * found with; any difference, or any trouble reading or writing it, and the times are computed as
 * without it. It is written only when a command found times it did not have (a few times an hour
 * for jobs running every quarter of an hour), by the same rules as the configuration cache
 * (private to the user; DSARI_CONFIG_CACHE=off turns both off).
 */
import type { EpochSeconds } from '../clock.js';
import { jobSchedule } from '../schedule/job.js';
import { formatIso } from '../schedule/time.js';
import { currentBuild, nodeId, readPrivateFile, writePrivateFile } from './cache-dir.js';
import type { JobConfig } from './types.js';

/** Bumped when the file's shape changes. */
const FORMAT = 1;

/** [schedule, zone, found at, kept until (Schedule.keptUntil), the next fire's text] */
type Entry = readonly [string, string, EpochSeconds, EpochSeconds, string];

interface NextRunsFile {
  readonly format: number;
  readonly build: string;
  readonly node: string;
  readonly jobs: Record<string, Entry>;
}

/** Next scheduled runs of jobs at one `now`, from the cache file where it holds them. */
export class NextRuns {
  private readonly known: Record<string, Entry>;
  private readonly found: Record<string, Entry> = Object.create(null) as Record<string, Entry>;
  private changed = false;

  /**
   * @param file the cache file (null: none, every time is computed)
   * @param now the time the next runs are after
   * @param hostZone the zone of schedules without their own
   */
  constructor(private readonly file: string | null, private readonly now: EpochSeconds, private readonly hostZone: string) {
    this.known = (file === null ? null : readEntries(file)) ?? (Object.create(null) as Record<string, Entry>);
  }

  /**
   * The next scheduled run of `job` after `now` as ISO 8601 text with offset, in the job's zone;
   * null without a schedule or when it never fires again.
   */
  text(job: JobConfig): string | null {
    if (job.schedule === null) return null;
    const zone = job.scheduleTimezone ?? this.hostZone;
    const known = this.known[job.name];
    if (isEntry(known) && known[0] === job.schedule && known[1] === zone && known[2] <= this.now && this.now < known[3]) {
      this.found[job.name] = known;
      return known[4];
    }
    const schedule = jobSchedule(job, this.hostZone);
    const next = schedule?.next(this.now) ?? null;
    if (next === null) return null;
    const text = formatIso(next, zone);
    const until = schedule?.keptUntil(next) ?? null;
    if (until !== null && this.now < until) {
      this.found[job.name] = [job.schedule, zone, this.now, until, text];
      this.changed = true;
    }
    return text;
  }

  /** Writes the cache file when times were found that it did not hold (with those it held that were used). */
  save(): void {
    const build = currentBuild();
    if (this.file === null || !this.changed || build === null) return;
    // Times of jobs not asked for this time (`--job`) stay while they are still ahead.
    for (const name of Object.keys(this.known)) {
      const known = this.known[name];
      if (!(name in this.found) && isEntry(known) && this.now < known[3]) this.found[name] = known;
    }
    const data: NextRunsFile = { format: FORMAT, build, node: nodeId(), jobs: this.found };
    writePrivateFile(this.file, JSON.stringify(data), 'next-');
  }
}

/** An entry as written (the file is checked entry by entry, on use: it may hold anything). */
function isEntry(e: unknown): e is Entry {
  return (
    Array.isArray(e) && e.length === 5 && typeof e[0] === 'string' && typeof e[1] === 'string' &&
    Number.isFinite(e[2]) && Number.isFinite(e[3]) && typeof e[4] === 'string'
  );
}

function readEntries(file: string): Record<string, Entry> | null {
  const bytes = readPrivateFile(file);
  if (bytes === null) return null;
  try {
    const data = JSON.parse(bytes.toString('utf8')) as Partial<NextRunsFile>;
    if (data.format !== FORMAT || data.build !== currentBuild() || data.node !== nodeId()) return null;
    const jobs = data.jobs;
    if (jobs === null || typeof jobs !== 'object' || Array.isArray(jobs)) return null;
    // Looked up by job name: anything else found there (a name like `toString` reaching the
    // object's prototype) is no entry and is passed over by isEntry.
    return jobs;
  } catch {
    return null;
  }
}
