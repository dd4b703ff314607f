/**
 * How a run that a policy made or ended is described (SPEC-BEYOND §12): retries and their
 * chain, catch-up runs, dependency runs, replaced and cancelled runs. Runs no policy touched get
 * null, so Part I output stays exactly as it was.
 */
import type { JsonObject } from '../store/types.js';

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const short = (id: unknown): string => (typeof id === 'string' ? id.slice(0, 8) : '?');

/** What a policy says about a run (for `dsari-info run list`'s Type column and the report), or null. */
export function policyLabel(triggerType: string, triggerData: JsonObject, runData: JsonObject): string | null {
  const parts: string[] = [];
  if (triggerType === 'retry') parts.push(`retry ${String(triggerData['attempt'] ?? '?')} of ${short(triggerData['retry_of'])}`);
  else if (triggerType === 'after') parts.push(`after ${isObject(triggerData['after']) ? Object.keys(triggerData['after']).sort().join(', ') : '?'}`);
  else if (triggerType === 'upstream') parts.push(`upstream ${isObject(triggerData['upstream']) ? String(triggerData['upstream']['job'] ?? '?') : '?'}`);
  else if (runData['dsari_catchup'] === true) parts.push(`${triggerType} (catch-up)`);
  const status = runData['dsari_status'];
  if (status === 'replaced' || status === 'cancelled') parts.push(parts.length === 0 ? `${triggerType} (${status})` : `(${status})`);
  const retry = runData['dsari_retry'];
  if (isObject(retry)) parts.push(`${parts.length === 0 ? `${triggerType}, ` : ''}retried by ${short(retry['run_id'])}`);
  return parts.length === 0 ? null : parts.join(' ');
}

/** The runs a run is linked to by its policies, for the run page: [label, run id]. */
export function policyLinks(triggerType: string, triggerData: JsonObject, runData: JsonObject): Array<{ label: string; runId: string; job?: string }> {
  const links: Array<{ label: string; runId: string; job?: string }> = [];
  if (triggerType === 'retry') {
    if (typeof triggerData['retry_of'] === 'string') links.push({ label: 'Retry of (first attempt)', runId: triggerData['retry_of'] });
    if (typeof triggerData['previous_run'] === 'string' && triggerData['previous_run'] !== triggerData['retry_of']) links.push({ label: 'Previous attempt', runId: triggerData['previous_run'] });
  }
  const retry = runData['dsari_retry'];
  if (isObject(retry) && typeof retry['run_id'] === 'string') links.push({ label: `Retried by (attempt ${String(retry['attempt'] ?? '?')})`, runId: retry['run_id'] });
  if (triggerType === 'upstream' && isObject(triggerData['upstream'])) {
    const u = triggerData['upstream'];
    if (typeof u['run_id'] === 'string') links.push({ label: `Upstream run (exit ${String(u['exit_code'] ?? '?')})`, runId: u['run_id'], ...(typeof u['job'] === 'string' ? { job: u['job'] } : {}) });
  }
  if (triggerType === 'after' && isObject(triggerData['after'])) {
    for (const [job, id] of Object.entries(triggerData['after']).sort(([a], [b]) => a.localeCompare(b))) {
      if (typeof id === 'string') links.push({ label: `After ${job}`, runId: id, job });
    }
  }
  return links;
}
