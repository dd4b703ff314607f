/**
 * The validated, frozen configuration (SPEC §3). Produced once by `loadConfig` (config/load.ts);
 * nothing downstream re-validates or mutates it. Durations are seconds.
 */
import type { NotifierConfig } from './notify.js';
import type { RetentionKeys } from './retention.js';
import type { HttpConfig } from './http.js';

export interface JobConfig {
  readonly name: string;
  /** argv; a string in the file has been split like a POSIX shell splits words. */
  readonly command: readonly string[];
  /** @default false */
  readonly commandAppendRun: boolean;
  /** Cron or RRULE expression; null = triggers only. */
  readonly schedule: string | null;
  /** IANA zone; null = the daemon's local zone. */
  readonly scheduleTimezone: string | null;
  readonly environment: Readonly<Record<string, string>>;
  /** Seconds, or null for no limit. */
  readonly maxExecution: number | null;
  /** @default 60 */
  readonly maxExecutionGrace: number;
  /** Sorted, unique group names. */
  readonly concurrencyGroups: readonly string[];
  /** @default true */
  readonly renderReports: boolean;
  /** @default false */
  readonly jenkinsEnvironment: boolean;
  readonly jobGroup: string | null;
  /** @default false; true exactly when `overlap` is `allow`. */
  readonly concurrentRuns: boolean;
  /**
   * The run policies (SPEC-BEYOND §12), present only when the job sets one of their keys: a job
   * without them behaves exactly as in Part I. Read them through `jobPolicies()` (config/policies.ts).
   */
  readonly policies?: JobPolicies;
  /** The job's own `notify` (SPEC-BEYOND §12.6); absent: the top level's applies. */
  readonly notify?: readonly NotifierConfig[];
  /** The job's own `retention` keys (§12.7), each overriding the top level's. */
  readonly retention?: RetentionKeys;
}

/** A job's run policies, validated (SPEC-BEYOND §12.1–§12.5). */
export interface JobPolicies {
  /** Missed fires at start (§12.1). @default 'none' */
  readonly catchup: CatchupPolicy;
  /** Seconds back from start in which fires count as missed. @default 86400 */
  readonly catchupWindow: number;
  /** A fire due while the job runs (§12.2). @default 'queue' ('allow' with concurrent_runs) */
  readonly overlap: OverlapPolicy;
  /** Retries of failed runs (§12.3); null: none. */
  readonly retry: RetryPolicy | null;
  /** Fan-in: run when each of these jobs has succeeded since this job's last `after` run. */
  readonly after: readonly string[];
  /** Jobs triggered when a run succeeds. */
  readonly onSuccess: readonly string[];
  /** Jobs triggered when a run fails (after its retries are exhausted). */
  readonly onFailure: readonly string[];
}

export type CatchupPolicy = 'none' | 'latest' | 'all';
export type OverlapPolicy = 'queue' | 'skip' | 'replace' | 'allow';

/** A job's `retry` mapping, validated. Seconds for the delays. */
export interface RetryPolicy {
  /** Retries after the first failure. */
  readonly attempts: number;
  /** @default 10 */
  readonly delay: number;
  /** @default 2 */
  readonly backoff: number;
  /** @default 3600 */
  readonly maxDelay: number;
  /** ± this fraction of each delay. @default 0 */
  readonly jitter: number;
  /** Retry only these exit codes; null: any non-zero. */
  readonly onExitCodes: readonly number[] | null;
  /** @default true */
  readonly onTimeout: boolean;
  /** @default true */
  readonly onLost: boolean;
}

export interface ConcurrencyGroupConfig {
  readonly name: string;
  /** @default 1 */
  readonly max: number;
}

export interface MysqlConnection {
  readonly host?: string;
  readonly user?: string;
  readonly passwd?: string;
  readonly db?: string;
  readonly port?: number;
  /** Any other keys given, passed through. */
  readonly [key: string]: unknown;
}

export type DatabaseConfig =
  | { readonly type: 'sqlite3'; readonly file: string }
  | { readonly type: 'postgresql'; readonly dsn: string }
  | { readonly type: 'mysql'; readonly connection: MysqlConnection };

export interface Config {
  readonly configDir: string;
  readonly configD: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly environment: Readonly<Record<string, string>>;
  readonly shutdownKillRuns: boolean;
  readonly shutdownKillGrace: number | null;
  readonly templateDir: string | null;
  readonly reportHtmlGz: boolean;
  readonly reportRunOutputStart: number;
  readonly reportRunOutputEnd: number;
  /** Every job, job groups expanded. Iteration order: sorted by name. */
  readonly jobs: ReadonlyMap<string, JobConfig>;
  /** Every concurrency group, including implicit ones (max 1) named only by jobs. */
  readonly concurrencyGroups: ReadonlyMap<string, ConcurrencyGroupConfig>;
  /** The merged raw configuration as read from the files (for `config dump --raw`). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** Non-fatal findings (unknown keys with "did you mean" …), each naming file/job/key. */
  readonly warnings: readonly string[];
  /** Files read, in merge order. */
  readonly files: readonly string[];
  /** Top-level `notify`: every job's default (SPEC-BEYOND §12.6). */
  readonly notify?: readonly NotifierConfig[];
  /** Top-level `retention` (§12.7). */
  readonly retention?: RetentionKeys;
  /** The API and web console (SPEC-BEYOND §13); absent or null: nothing listens. */
  readonly http?: HttpConfig | null | undefined;
}
