/**
 * The exporter's HTTP server: GET/HEAD on the metrics path serves the exposition text, any other
 * path is 404. Slow or oversized clients cannot hold it up: headers must arrive within a few
 * seconds and be at most 8 KiB, a whole request within 10 s, idle keep-alive connections close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DsariError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';

export interface MetricsServerOptions {
  readonly address: string;
  readonly port: number;
  /** e.g. `/metrics`. */
  readonly path: string;
  /** Produces the exposition text of one scrape. */
  readonly render: () => Promise<string>;
  readonly log: Logger;
}

/** Limits that keep one client from blocking others. */
export const SERVER_LIMITS = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 8_192,
  /** Open connections at most; more are closed at once (a flood of idle clients stays bounded). */
  maxConnections: 256,
  /** How often idle/slow connections are checked against the timeouts above. */
  connectionsCheckingIntervalMs: 1_000,
  /** How long a refused client may take to read its error answer before its socket is destroyed. */
  closeGraceMs: 2_000,
} as const;

/** The server could not listen (address in use, permission …). */
export class ListenError extends DsariError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_LISTEN', message, options);
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, head = false): void {
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(buf.length), ...headers });
  res.end(head ? undefined : buf);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** A running metrics server. */
export interface MetricsServer {
  readonly server: Server;
  /** The address actually bound (port resolved when 0 was asked for). */
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Starts the server and resolves once it listens.
 * @throws ListenError with a one-line reason when it cannot listen
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { log } = options;
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = pathOf(req);
    log.debug(`${req.socket.remoteAddress ?? '?'} ${req.method ?? '?'} ${req.url ?? ''}`);
    if (path !== options.path) {
      send(res, 404, 'Not Found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD', Connection: 'close' });
      return;
    }
    let body: string;
    try {
      body = await options.render();
    } catch (err) {
      log.error(`collecting metrics failed: ${errorMessage(err)}`);
      send(res, 500, `collecting metrics failed: ${errorMessage(err)}\n`);
      return;
    }
    if (res.destroyed) return;
    send(res, 200, body, { 'Content-Type': EXPOSITION_CONTENT_TYPE }, req.method === 'HEAD');
  };
  const server = createServer(
    {
      maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
      connectionsCheckingInterval: SERVER_LIMITS.connectionsCheckingIntervalMs,
    },
    (req, res) => {
      handler(req, res).catch((err: unknown) => {
        log.error(`request failed: ${errorMessage(err)}`);
        if (!res.headersSent) send(res, 500, 'Internal Server Error\n');
        else res.destroy();
      });
    },
  );
  server.maxConnections = SERVER_LIMITS.maxConnections;
  // Requests are never bodies we read: a client sending one gets its answer and the socket closes.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.debug(`client error: ${err.code ?? err.message}`);
    if (socket.writable && !socket.destroyed) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      // A client that never reads or closes would keep the half-closed socket forever.
      setTimeout(() => socket.destroy(), SERVER_LIMITS.closeGraceMs).unref();
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${options.address}:${options.port}`;
      const reason =
        err.code === 'EADDRINUSE'
          ? 'address already in use'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.code === 'EADDRNOTAVAIL'
              ? 'address not available on this host'
              : err.message;
      reject(new ListenError(`cannot listen on ${where}: ${reason}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(options.port, options.address, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log.error(`server error: ${errorMessage(err)}`));
  const address = server.address() as AddressInfo;
  return {
    server,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
