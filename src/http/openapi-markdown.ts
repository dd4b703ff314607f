/**
 * docs/api.md from the OpenAPI document: an introduction with curl examples, then every
 * operation with its parameters, body and answers. `node scripts/api-doc.mjs` writes the file; a
 * test checks it matches the document the daemon serves.
 */

type Schema = Record<string, unknown>;
interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  parameters: Array<{ name: string; in: string; required: boolean; description?: string; schema: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string }>;
  'x-dsari-role': string;
}

const INTRO = `# HTTP API

The daemon serves this JSON API under \`/api/v1\` when \`http\` is configured (see
[web.md](web.md) for the configuration, tokens and the web console). This file is generated
from the OpenAPI 3.1 document the daemon serves at \`/api/v1/openapi.json\` (the same schemas
validate the requests): \`node scripts/api-doc.mjs\` writes it again.

- **Authentication:** \`Authorization: Bearer TOKEN\`, a token made by
  \`dsari token new NAME --role ROLE\`. Roles: \`read\` sees everything but secrets; \`operate\`
  also triggers, cancels, pauses and resumes; \`admin\` also reloads. Without a token a client
  is anonymous: it may read when \`http.anonymous\` is \`read\` (the default on a loopback
  address), nothing otherwise.
- **Errors:** \`{"error": {"code": "…", "message": "…"}}\` with 400 (the message names the field),
  401 (with \`WWW-Authenticate: Bearer\`), 403, 404, 405, 409, 413 (bodies over 64 KB), 415, 422.
- **Times** are ISO 8601 in UTC with milliseconds; durations are seconds.
- **Paging:** lists of runs are newest first; pass the answer's \`next\` as \`before\` for the
  next page (\`null\`: the last page).

## Examples

\`\`\`sh
export DSARI=http://127.0.0.1:8250 TOKEN=dsari_…   # from dsari token new ci-bot --role operate

# trigger a run with an environment; the answer comes once the trigger is durable
curl -sS -X POST "$DSARI/api/v1/jobs/backup/trigger" \\
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
  -H 'Idempotency-Key: deploy-2026-12-07-1' \\
  -d '{"environment": {"TARGET": "s3://bucket"}, "description": "before the upgrade"}'
# → 202 {"run_id":"6f1c…","replayed":false}   (the same key again: the same run_id, replayed true)

# follow its output live (server-sent events) until the end event with the exit code
curl -sSN "$DSARI/api/v1/runs/6f1c…/output?follow=1" -H "Authorization: Bearer $TOKEN"
# id: 14
# event: output
# data: "copying…\\n"
#
# event: end
# data: {"exit_code":0,"status":"succeeded"}

# the whole output as text, or a part of it
curl -sS "$DSARI/api/v1/runs/6f1c…/output" -H "Authorization: Bearer $TOKEN" -H 'Range: bytes=-4096'

# cancel it (SIGTERM, then SIGKILL to its process group; recorded as "cancelled")
curl -sS -X POST "$DSARI/api/v1/runs/6f1c…/cancel" -H "Authorization: Bearer $TOKEN"
# → 202 {"outcome":"cancelled"}   (409 when it has already ended)

# pause and resume a job
curl -sS -X POST "$DSARI/api/v1/jobs/backup/pause" -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -d '{"reason": "disk replacement"}'
curl -sS -X POST "$DSARI/api/v1/jobs/backup/resume" -H "Authorization: Bearer $TOKEN"
\`\`\`
`;

function typeText(s: Schema | undefined): string {
  if (s === undefined) return '';
  if (Array.isArray(s['enum'])) return (s['enum'] as unknown[]).map((v) => `\`${String(v)}\``).join(' \\| ');
  const t = s['type'];
  let text = Array.isArray(t) ? t.join(' \\| ') : typeof t === 'string' ? t : s['$ref'] !== undefined ? 'Error' : 'any';
  const bits: string[] = [];
  if (s['minimum'] !== undefined || s['maximum'] !== undefined) bits.push(`${String(s['minimum'] ?? '')}–${String(s['maximum'] ?? '')}`);
  if (s['maxLength'] !== undefined) bits.push(`≤ ${String(s['maxLength'])} chars`);
  if (s['default'] !== undefined) bits.push(`default ${JSON.stringify(s['default'])}`);
  if (bits.length > 0) text += ` (${bits.join(', ')})`;
  return text;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown of docs/api.md for an OpenAPI document made by {@link openapiDocument}. */
export function openapiMarkdown(doc: Record<string, unknown>): string {
  const paths = doc['paths'] as Record<string, Record<string, Operation>>;
  const out: string[] = [INTRO, '## Operations\n'];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      out.push(`### \`${method.toUpperCase()} ${path}\`\n`);
      out.push(`${op.summary}. Role: **${op['x-dsari-role']}**.${op.description === undefined ? '' : ` ${op.description}`}\n`);
      if (op.parameters.length > 0) {
        out.push('| parameter | in | type | |\n|---|---|---|---|');
        for (const p of op.parameters) out.push(`| \`${p.name}\`${p.required ? ' (required)' : ''} | ${p.in} | ${cell(typeText(p.schema))} | ${cell(p.description ?? '')} |`);
        out.push('');
      }
      const body = op.requestBody?.content['application/json']?.schema;
      if (body !== undefined) {
        const props = (body['properties'] ?? {}) as Record<string, Schema>;
        out.push('Body (JSON, optional):\n\n| field | type | |\n|---|---|---|');
        for (const [name, s] of Object.entries(props)) out.push(`| \`${name}\` | ${cell(typeText(s))} | ${cell(typeof s['description'] === 'string' ? s['description'] : '')} |`);
        out.push('');
      }
      out.push(`Answers: ${Object.entries(op.responses).map(([code, r]) => `**${code}** ${r.description}`).join('; ')}.\n`);
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
