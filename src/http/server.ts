/**
 * The daemon's HTTP server (SPEC-BEYOND §13): Fastify with the API, the console and the limits
 * that keep clients from holding up the scheduler — 64 KB bodies, header and request timeouts
 * checked every second, a cap on open connections, no synchronous heavy work in handlers.
 * Nothing here logs a token: requests are logged with the token's name at most.
 */
import { existsSync, lstatSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { type HttpConfig, isLoopback } from '../config/http.js';
import { DsariError, errorMessage } from '../errors.js';
import { ListenError } from '../metrics/server.js';
import type { Logger } from '../log.js';
import { identify, requireCsrf, requireRole, Sessions } from './auth.js';
import { consoleRoutes } from './console/routes.js';
import type { HttpContext } from './context.js';
import type { DaemonControl } from './control-port.js';
import { errorBody, HttpError } from './errors.js';
import { followers } from './follow.js';
import { HttpMetrics } from './http-metrics.js';
import { JobHistories } from './job-history.js';
import { SchedulerIndexCache } from './job-list.js';
import { controlRoutes } from './routes-control.js';
import { jobRoutes } from './routes-jobs.js';
import { runRoutes } from './routes-runs.js';
import { eventStreams, systemRoutes } from './routes-system.js';
import { type RouteConfig, Routes } from './routes.js';
import { TriggerIntake } from './trigger-intake.js';
import { renderErrorPage } from './console/parts.js';

/** Limits that keep slow or greedy clients from holding the daemon up. */
export const HTTP_LIMITS = {
  /** Request bodies at most (SPEC-BEYOND §13.1). */
  bodyLimit: 64 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  /** A socket with no traffic at all this long is closed (event streams send a heartbeat). */
  idleTimeoutMs: 60_000,
  maxHeaderSize: 16_384,
  maxConnections: 2_000,
  connectionsCheckingIntervalMs: 1_000,
  maxParamLength: 300,
} as const;

export interface HttpServer {
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:PORT` (or `unix:/path`), the address actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  readonly control: DaemonControl;
  readonly http: HttpConfig;
  readonly log: Logger;
}

/** Builds the Fastify app (not listening yet). */
export function buildApp(options: HttpServerOptions): { app: FastifyInstance; ctx: HttpContext } {
  const { control, log } = options;
  let current = options.http;
  const serverFactory = (handler: Parameters<typeof createServer>[1]): Server => {
    const server = createServer(
      {
        headersTimeout: HTTP_LIMITS.headersTimeoutMs,
        requestTimeout: HTTP_LIMITS.requestTimeoutMs,
        keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
        maxHeaderSize: HTTP_LIMITS.maxHeaderSize,
        connectionsCheckingInterval: HTTP_LIMITS.connectionsCheckingIntervalMs,
      },
      handler,
    );
    server.maxConnections = HTTP_LIMITS.maxConnections;
    server.setTimeout(HTTP_LIMITS.idleTimeoutMs);
    return server;
  };
  const app = Fastify({
    logger: false,
    bodyLimit: HTTP_LIMITS.bodyLimit,
    serverFactory,
    return503OnClosing: true,
    routerOptions: { maxParamLength: HTTP_LIMITS.maxParamLength, ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, allowUnionTypes: true } },
  });
  const metrics = new HttpMetrics(control.events);
  const histories = new JobHistories(control.store, control.events, log);
  const ctx: HttpContext = {
    control,
    histories,
    intake: new TriggerIntake(control, log),
    sessions: new Sessions(),
    metrics,
    log,
    index: new SchedulerIndexCache(control),
    http: () => current,
  };
  control.events.on('reloaded', () => {
    const next = control.config().http;
    if (next === null || next === undefined) {
      log.warning('http was removed from the configuration; the server keeps running with its previous settings until the daemon restarts');
      return;
    }
    if (next.listenText !== current.listenText) log.warning(`http: listen changed to ${next.listenText}; it takes effect at the next start`);
    current = next;
    histories.warm([...control.config().jobs.keys()]);
  });

  // JSON and forms only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  // Forms of the console: application/x-www-form-urlencoded, first value of each name.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: HTTP_LIMITS.bodyLimit }, (_req, body, done) => {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body as string)) if (!(k in out)) out[k] = v;
    done(null, out);
  });

  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config as Partial<RouteConfig>;
    if (!hostAllowed(req.headers.host, current)) throw new HttpError(421, 'misdirected', 'this server answers to its own address only (set http.public_url when it is reached through another name)');
    req.identity = identify({ authorization: req.headers.authorization, cookie: req.headers.cookie }, current, ctx.sessions);
    if (config.role !== undefined && config.role !== null) requireRole(req.identity, config.role);
  });
  app.addHook('preValidation', async (req) => {
    // The login form has its own check (there is no session to hold a token before it).
    if (req.method === 'GET' || req.method === 'HEAD' || req.routeOptions.url === '/login') return;
    const body = req.body as Record<string, unknown> | null | undefined;
    const fromForm = typeof body === 'object' && body !== null && typeof body['_csrf'] === 'string' ? body['_csrf'] : undefined;
    const header = req.headers['x-csrf-token'];
    requireCsrf(req.identity, typeof header === 'string' ? header : fromForm);
    // The form field is not part of any API body.
    if (fromForm !== undefined && body !== null && typeof body === 'object') delete body['_csrf'];
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'same-origin');
    // Style attributes carry the 256-colour and true-colour spans of run output; they cannot run script.
    if (reply.getHeader('Content-Security-Policy') === undefined) {
      reply.header('Content-Security-Policy', "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const config = req.routeOptions.config as Partial<RouteConfig>;
    metrics.request(req.method, config.route ?? 'unmatched', reply.statusCode);
    log.debug(`HTTP ${req.method} ${config.route ?? req.url.slice(0, 200)} ${reply.statusCode} (${req.identity?.principal.name ?? 'anonymous'})`);
  });

  app.setErrorHandler(async (err: FastifyError | HttpError, req, reply) => {
    const config = req.routeOptions.config as Partial<RouteConfig>;
    let status: number;
    let code: string;
    let message: string;
    if (err instanceof HttpError) {
      status = err.status;
      code = err.code;
      message = err.message;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    } else if (err instanceof DsariError && err.code === 'E_NOT_IMPLEMENTED') {
      status = 501;
      code = 'not_implemented';
      message = err.message;
    } else if ((err as FastifyError).validation !== undefined) {
      status = 400;
      code = 'bad_request';
      message = err.message;
    } else if (typeof (err as FastifyError).statusCode === 'number' && ((err as FastifyError).statusCode as number) < 500) {
      status = (err as FastifyError).statusCode as number;
      code = status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
      message = status === 413 ? `the request body is over ${HTTP_LIMITS.bodyLimit / 1024} KB` : err.message;
    } else {
      status = 500;
      code = 'internal';
      message = 'internal error (logged by the daemon)';
      log.error(`HTTP ${req.method} ${config.route ?? 'unmatched'}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}${err.cause === undefined ? '' : ` (cause: ${errorMessage(err.cause)})`}`);
    }
    if (req.url.startsWith('/api/v1/jobs/') && req.url.includes('/trigger') && status === 400) metrics.triggerRejected('http');
    // A console page asked for without a login goes to the login form, and comes back after.
    if (config.console === true && status === 401 && req.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    reply.code(status);
    // A body refused before it was read (413, 415) is still on its way. Fastify answers it with
    // `Connection: close`, and closing a socket the client is still writing to resets it: a client
    // that sends all before it reads (fetch, most libraries) got EPIPE, not the answer. On a kept
    // connection Node reads the rest and drops it (a lingering close); a client that stops sending
    // is cut off by the request limits above (~6 s after the answer, measured).
    if (!req.raw.complete) reply.removeHeader('connection');
    if (config.console === true) return reply.type('text/html; charset=utf-8').send(renderErrorPage(status, message, req.identity));
    return reply.send(errorBody(code, message));
  });
  app.setNotFoundHandler(async (req, reply) => {
    reply.code(404);
    if (req.url.startsWith('/api/') || req.url === '/metrics') return reply.send(errorBody('not_found', 'no such path'));
    return reply.type('text/html; charset=utf-8').send(renderErrorPage(404, 'There is no page here.', req.identity));
  });

  const routes = new Routes(app);
  const jobList = jobRoutes(routes, ctx);
  runRoutes(routes, ctx);
  controlRoutes(routes, ctx);
  const exporter = systemRoutes(routes, ctx);
  consoleRoutes(routes, ctx);
  routes.finish();
  app.addHook('onClose', async () => {
    jobList.stop();
    ctx.index.stop();
    await exporter.close();
  });
  return { app, ctx };
}

/**
 * On a loopback address a page from another site must not reach the API through DNS rebinding
 * (a name of theirs resolving to 127.0.0.1): the Host header must be a loopback name or address,
 * or the host of `public_url`. Other addresses are reachable by name anyway (tokens protect them).
 */
export function hostAllowed(host: string | undefined, http: HttpConfig): boolean {
  if (!isLoopback(http.listen) || http.listen.kind === 'unix') return true;
  if (host === undefined) return false;
  const name = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name.endsWith('.localhost')) return true;
  if (http.publicUrl !== null) {
    try {
      return new URL(http.publicUrl).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1') === name;
    } catch (err) {
      void err; // public_url was checked at load; an unparsable one allows nothing extra.
    }
  }
  return false;
}

/** A unix socket file left by a daemon that is gone (nothing accepts on it) is removed. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path) || !lstatSync(path).isSocket()) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (!alive) rmSync(path, { force: true });
}

/**
 * Starts the server and resolves once it listens.
 * @throws ListenError with a one-line reason
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { app, ctx } = buildApp(options);
  const { listen } = options.http;
  try {
    if (listen.kind === 'unix') {
      await clearStaleSocket(listen.path);
      await app.listen({ path: listen.path });
    } else {
      await app.listen({ host: listen.host, port: listen.port });
    }
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' ? 'address not available on this host' : errorMessage(err);
    throw new ListenError(`http: cannot listen on ${options.http.listenText}: ${reason}`, { cause: err });
  }
  const addr = app.server.address();
  const url = typeof addr === 'string' ? `unix:${addr}` : `http://${(addr as AddressInfo).family === 'IPv6' ? `[${(addr as AddressInfo).address}]` : (addr as AddressInfo).address}:${(addr as AddressInfo).port}`;
  ctx.histories.warm([...options.control.config().jobs.keys()]);
  void ctx.intake.sweep();
  options.log.info(`HTTP API and web console listening on ${url}`);
  return {
    app,
    url,
    close: async () => {
      ctx.histories.stop();
      ctx.metrics.stop();
      // Event streams end cleanly (the client sees the end of the response), then every connection goes.
      const streams = [...followers, ...eventStreams];
      for (const r of streams) r.end();
      if (streams.length > 0) await new Promise((r) => setTimeout(r, 300));
      for (const r of streams) r.destroy();
      app.server.closeAllConnections();
      await app.close();
      if (listen.kind === 'unix') rmSync(listen.path, { force: true });
    },
  };
}
