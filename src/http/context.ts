/** What every route module gets: the daemon port and the server's shared parts. */
import type { HttpConfig } from '../config/http.js';
import type { Logger } from '../log.js';
import type { Identity, Sessions } from './auth.js';
import type { DaemonControl } from './control-port.js';
import type { HttpMetrics } from './http-metrics.js';
import type { JobHistories } from './job-history.js';
import type { SchedulerIndexCache } from './job-list.js';
import type { TriggerIntake } from './trigger-intake.js';

export interface HttpContext {
  readonly control: DaemonControl;
  readonly histories: JobHistories;
  readonly intake: TriggerIntake;
  readonly sessions: Sessions;
  readonly metrics: HttpMetrics;
  readonly log: Logger;
  /** Next fire, pending and running counts and pauses per job, rebuilt after changes only. */
  readonly index: SchedulerIndexCache;
  /** The `http` configuration in force (tokens change on reload; the address does not). */
  http(): HttpConfig;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request (set by the authentication hook before anything else runs). */
    identity: Identity;
  }
}
