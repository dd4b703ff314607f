/**
 * The JSON schemas of the API: they validate requests (Fastify) and describe requests and
 * answers in the OpenAPI document. One definition each, used in both places.
 */
import type { JsonSchema, ResponseDoc } from './routes.js';

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const time = { type: ['string', 'null'], format: 'date-time' } as const;

export const ErrorSchema: JsonSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } },
  },
};

/**
 * A run id as the daemon makes them (UUIDs) or the original did: letters, digits, `-`, `_`,
 * `.`, `:`; not starting with a dot. Anything else (slashes, NUL, `..`) never names a run.
 */
export const RUN_ID_PATTERN = '^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,127}$';
/** Job names cannot contain `/` or control characters (see config/names.ts). */
export const JOB_NAME_PATTERN = '^[^/\\u0000-\\u001f]{1,255}$';

export const JobParams: JsonSchema = {
  type: 'object',
  required: ['job'],
  properties: { job: { type: 'string', pattern: JOB_NAME_PATTERN, description: 'job name' } },
};

export const RunParams: JsonSchema = {
  type: 'object',
  required: ['run_id'],
  properties: { run_id: { type: 'string', pattern: RUN_ID_PATTERN, description: 'run id' } },
};

export const MAX_PAGE = 500;

const pageProps = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50, description: 'runs per page' },
  before: { type: 'string', maxLength: 400, description: 'the `next` cursor of the previous page' },
} as const;

export const JobRunsQuery: JsonSchema = { type: 'object', additionalProperties: false, properties: { ...pageProps } };

export const RunsQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['running', 'failed', 'succeeded'], description: 'only runs in this state' },
    job: { type: 'string', pattern: JOB_NAME_PATTERN, description: 'only runs of this job' },
    ...pageProps,
  },
};

export const OutputQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    follow: { type: 'string', enum: ['0', '1', 'true', 'false'], description: '1: a text/event-stream that follows the output until the run ends' },
  },
};

export const TriggerBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    environment: {
      type: 'object',
      maxProperties: 1000,
      propertyNames: { pattern: '^[^=\\u0000]+$' },
      additionalProperties: { type: ['string', 'number'] },
      description: 'variables added to the run\'s environment (SPEC §5.2)',
    },
    schedule_time: { type: ['string', 'number'], description: 'ISO 8601 date-time or epoch seconds; default: now' },
    schedule_timezone: { type: 'string', maxLength: 100, description: 'zone of a naive schedule_time; default: the daemon\'s' },
    description: { type: 'string', maxLength: 10_000 },
    type: { type: 'string', maxLength: 100 },
  },
};

export const TriggerHeaders: JsonSchema = {
  type: 'object',
  properties: {
    'idempotency-key': { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'a repeated request with the same key returns the same run id' },
  },
};

export const PauseBody: JsonSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { reason: { type: ['string', 'null'], maxLength: 1000 } },
};

export const ScheduleQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    expression: { type: 'string', minLength: 1, maxLength: 1000, description: 'cron or RRULE expression; default: the job\'s schedule' },
    job: { type: 'string', pattern: JOB_NAME_PATTERN, description: 'job name the H/R hashing is seeded with' },
    timezone: { type: 'string', maxLength: 100, description: 'IANA zone; default: the job\'s, else the daemon\'s' },
    n: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
  },
};

const PauseSchema = {
  type: ['object', 'null'],
  properties: { by: str, reason: nullableStr, since: time, all: { type: 'boolean' } },
} as const;

const LastRunSchema = {
  type: ['object', 'null'],
  properties: { run_id: str, exit_code: { type: 'integer' }, status: str, start_time: time, stop_time: time, duration: { type: 'number' } },
} as const;

export const JobSchema: JsonSchema = {
  type: 'object',
  properties: {
    name: str,
    schedule: nullableStr,
    timezone: nullableStr,
    next_fire_time: time,
    paused: PauseSchema,
    running: { type: 'integer' },
    pending: { type: 'integer' },
    last_run: LastRunSchema,
    last_success_time: time,
    last_failure_time: time,
    history_loaded: { type: 'boolean', description: 'false while the daemon is still reading the job\'s history' },
    recent_durations: { type: 'array', items: { type: 'number' } },
    recent_exit_codes: { type: 'array', items: { type: 'integer' } },
    policies: { type: 'object', additionalProperties: true },
    job_group: nullableStr,
  },
};

export const JobDetailSchema: JsonSchema = {
  type: 'object',
  properties: {
    ...(JobSchema['properties'] as object),
    configuration: { type: 'object', additionalProperties: true, description: 'the job\'s configuration, secret-looking environment values REDACTED' },
    next_fire_times: { type: 'array', items: { type: 'string', format: 'date-time' } },
    schedule_error: nullableStr,
  },
};

export const RunSchema: JsonSchema = {
  type: 'object',
  properties: {
    run_id: str,
    job_name: str,
    status: { type: 'string', description: 'running, succeeded, failed, or the daemon\'s dsari_status (cancelled, lost, failed_to_start …)' },
    running: { type: 'boolean' },
    exit_code: { type: ['integer', 'null'] },
    schedule_time: time,
    start_time: time,
    stop_time: time,
    duration: { type: ['number', 'null'] },
    trigger_type: str,
    trigger_data: { type: 'object', additionalProperties: true },
    run_data: { type: 'object', additionalProperties: true },
    node: nullableStr,
    concurrency_group: nullableStr,
    retry_of: { ...nullableStr, description: 'a retry: the first run of its sequence' },
    retry_attempt: { type: ['integer', 'null'], description: 'a retry: its attempt number' },
    previous_attempt: { ...nullableStr, description: 'a retry: the run it retries' },
    retried_by: { ...nullableStr, description: 'a failed run: the retry it scheduled' },
  },
};

export const RunPageSchema: JsonSchema = {
  type: 'object',
  properties: { runs: { type: 'array', items: RunSchema }, next: { ...nullableStr, description: 'cursor of the next page (null: last page)' } },
};

/** A run's notifications (SPEC-BEYOND §12.6). */
export const NotificationsSchema: JsonSchema = {
  type: 'object',
  required: ['notifications'],
  properties: {
    notifications: {
      type: 'array',
      items: {
        type: 'object',
        required: ['event', 'notifier', 'state', 'attempts', 'last_error', 'created_at', 'finished_at'],
        properties: {
          event: { type: 'string' },
          notifier: { type: 'string', description: 'how the notifier is shown, e.g. "webhook 1 (json)"' },
          state: { type: 'string', description: 'pending, delivered, failed or dropped' },
          attempts: { type: 'integer' },
          last_error: { type: ['string', 'null'] },
          created_at: { type: 'string' },
          finished_at: { type: ['string', 'null'] },
        },
      },
    },
  },
};

export function json(description: string, schema: JsonSchema): ResponseDoc {
  return { description, content: { 'application/json': { schema } } };
}

export const errorResponse = (description: string): ResponseDoc => json(description, { $ref: '#/components/schemas/Error' });

/** The error answers every authenticated route can give. */
export const AUTH_ERRORS: Readonly<Record<string, ResponseDoc>> = {
  '401': errorResponse('no token, or an unknown one (WWW-Authenticate: Bearer)'),
  '403': errorResponse('the token\'s role is too small, or a form without its CSRF token'),
};
