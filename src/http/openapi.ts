/**
 * The OpenAPI 3.1 document of the API, built from the route declarations: the same schema
 * objects that Fastify validates requests with describe them here (OpenAPI 3.1 uses JSON Schema
 * 2020-12, so they are used as they are).
 */
import { VERSION } from '../version.js';
import type { JsonSchema, RouteDef } from './routes.js';
import { ErrorSchema } from './schemas.js';

function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function parameters(where: 'path' | 'query' | 'header', schema: JsonSchema | undefined): unknown[] {
  if (schema === undefined) return [];
  const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema['required'] ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name: where === 'header' ? name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => `${d}${c.toUpperCase()}`) : name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** The document for these routes (console pages and assets left out). */
export function openapiDocument(defs: readonly RouteDef[], serverUrl: string | null): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of defs) {
    if (d.console === true) continue;
    const op: Record<string, unknown> = {
      operationId: d.operationId,
      summary: d.summary,
      ...(d.description === undefined ? {} : { description: d.description }),
      tags: [...d.tags],
      parameters: [...parameters('path', d.schema?.params), ...parameters('query', d.schema?.querystring), ...parameters('header', d.schema?.headers)],
      responses: d.responses ?? { '200': { description: 'OK' } },
      security: d.role === null ? [] : [{ bearer: [] }, { session: [] }],
      'x-dsari-role': d.role ?? 'none',
    };
    if (d.schema?.body !== undefined) {
      // Every body of this API may be left out (an empty trigger, a pause without a reason).
      op['requestBody'] = { required: false, content: { 'application/json': { schema: d.schema.body } } };
    }
    const path = openapiPath(d.url);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[d.method.toLowerCase()] = op;
  }
  const { $id: _id, ...errorSchema } = ErrorSchema;
  void _id;
  return {
    openapi: '3.1.0',
    info: {
      title: 'dsari HTTP API',
      version: VERSION,
      description:
        'The JSON API of the dsari daemon (SPEC-BEYOND §13.1). Authenticate with `Authorization: Bearer TOKEN` ' +
        '(`dsari token new NAME --role ROLE`); roles: read < operate < admin. Errors are `{"error": {"code", "message"}}`. ' +
        'Request bodies are at most 64 KB.',
    },
    ...(serverUrl === null ? {} : { servers: [{ url: serverUrl }] }),
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a token made by `dsari token new`' },
        session: { type: 'apiKey', in: 'cookie', name: 'dsari_session', description: 'the web console\'s session (state-changing requests also need X-CSRF-Token)' },
      },
    },
  };
}
