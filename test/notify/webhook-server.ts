/**
 * A real local HTTP server for webhook tests: it records every request and answers as told —
 * 200, 500, never (hang), a redirect to itself forever, or a 50 MB body. It can be closed (the
 * connection is then refused) and started again on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Mode = 'ok' | 'fail' | 'hang' | 'redirect' | 'huge';

export interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export class WebhookServer {
  mode: Mode = 'ok';
  readonly received: Received[] = [];
  /** Bytes of the huge answer actually sent before the client hung up. */
  hugeSent = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hook/secret-token-123'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Stops listening (connections are then refused) and drops open connections. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      this.received.push({ path: req.url ?? '', headers: req.headers, body });
      switch (this.mode) {
        case 'ok':
          res.end('ok');
          return;
        case 'fail':
          res.statusCode = 500;
          res.end(`internal trouble at ${req.url ?? ''} (${String(req.headers['x-token'] ?? '')})`);
          return;
        case 'hang':
          return; // never answers
        case 'redirect':
          res.statusCode = 302;
          res.setHeader('location', req.url ?? '/');
          res.end();
          return;
        case 'huge': {
          res.statusCode = 500;
          const chunk = Buffer.alloc(64 * 1024, 'x');
          const total = 50 * 1024 * 1024;
          const pump = (): void => {
            while (this.hugeSent < total) {
              this.hugeSent += chunk.length;
              if (!res.write(chunk)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          res.on('close', () => undefined);
          pump();
          return;
        }
      }
    });
  }
}
