/**
 * One place where routes are declared: each is a JSON schema plus a handler, registered with
 * Fastify (which validates requests against the schema) and remembered for the OpenAPI document
 * (built from the very same schema objects) and for answering 405 to a known path with another
 * method.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpRole } from '../config/http.js';
import { errorBody } from './errors.js';

/** A JSON schema (the subset of JSON Schema 2020-12 that Fastify's Ajv and OpenAPI 3.1 share). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface ResponseDoc {
  readonly description: string;
  /** Media type → schema; absent: no body. */
  readonly content?: Readonly<Record<string, { readonly schema: JsonSchema }>>;
}

export interface RouteDef {
  readonly method: 'GET' | 'POST';
  /** Fastify's path syntax (`/api/v1/jobs/:job`). */
  readonly url: string;
  /** The least role that may call it; null: anyone (health checks, the login page, assets). */
  readonly role: HttpRole | null;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly schema?: {
    readonly params?: JsonSchema;
    readonly querystring?: JsonSchema;
    readonly body?: JsonSchema;
    readonly headers?: JsonSchema;
  };
  readonly responses?: Readonly<Record<string, ResponseDoc>>;
  /** Console pages and assets: HTML errors, and not part of the OpenAPI document. */
  readonly console?: boolean;
  /** Media types of the body other than JSON (the console's forms). */
  readonly bodyTypes?: readonly string[];
  handler(req: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

/** Per-route settings Fastify carries to the hooks (`req.routeOptions.config`). */
export interface RouteConfig {
  readonly role: HttpRole | null;
  readonly console: boolean;
  /** The route's path pattern, for metrics labels. */
  readonly route: string;
}

export class Routes {
  readonly defs: RouteDef[] = [];

  constructor(private readonly app: FastifyInstance) {}

  add(def: RouteDef): void {
    this.defs.push(def);
    const config: RouteConfig = { role: def.role, console: def.console === true, route: def.url };
    this.app.route({
      method: def.method === 'GET' ? ['GET', 'HEAD'] : def.method,
      url: def.url,
      ...(def.schema === undefined ? {} : { schema: def.schema }),
      config,
      handler: def.handler,
    });
  }

  /** Registers 405 answers (with `Allow`) for the other methods of every known path. */
  finish(): void {
    const byUrl = new Map<string, Set<string>>();
    for (const d of this.defs) {
      const set = byUrl.get(d.url) ?? new Set<string>();
      set.add(d.method);
      if (d.method === 'GET') set.add('HEAD');
      byUrl.set(d.url, set);
    }
    for (const [url, methods] of byUrl) {
      const others = (['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const).filter((m) => !methods.has(m));
      if (others.length === 0) continue;
      const allow = [...methods].join(', ');
      const config: RouteConfig = { role: null, console: false, route: url };
      this.app.route({
        method: [...others],
        url,
        config,
        handler: async (_req, reply) => reply.code(405).header('Allow', allow).send(errorBody('method_not_allowed', `this path allows ${allow}`)),
      });
    }
  }
}
