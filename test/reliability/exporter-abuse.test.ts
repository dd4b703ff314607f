/**
 * The built dsari-prometheus-exporter under hostile clients (docs/RELIABILITY.md): slow clients
 * holding half a request, clients that send nothing, oversized requests and unknown paths do not
 * stop normal scrapes from answering promptly; slow clients are dropped; open connections are
 * bounded.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_LIMITS } from '../../src/metrics/server.js';
import { killLeftovers, startProcess, type ManagedProcess } from '../helpers/index.js';
import { makeInfoFixture, type InfoFixture } from '../info/setup.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes and collects the answer until the server closes. */
function raw(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let answer = '';
    s.setEncoding('utf8').on('data', (d: string) => (answer += d));
    s.on('close', () => resolve(answer));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(answer) : reject(e)));
    s.end(data);
  });
}

/** An open connection and whether the server has closed it. */
async function openIdle(port: number, send: string): Promise<{ socket: Socket; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let closed = false;
  // Reads (and drops) what the server sends, so that the server closing is seen here.
  socket.resume();
  socket.on('end', () => (closed = true));
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  await new Promise<void>((r) => {
    socket.on('connect', () => r());
    socket.on('close', () => r());
  });
  if (send !== '' && !closed) socket.write(send);
  return { socket, closed: () => closed };
}

let fx: InfoFixture;
let proc: ManagedProcess;
let port: number;
beforeAll(async () => {
  fx = makeInfoFixture();
  proc = startProcess('dsari-prometheus-exporter', fx.args('--listen-address', '127.0.0.1', '--listen-port', '0'));
  await proc.waitForOutput(/Listening on http:\/\/127\.0\.0\.1:\d+\//, 30_000);
  port = Number(/127\.0\.0\.1:(\d+)\//.exec(proc.stderr)?.[1]);
}, 60_000);
afterAll(async () => {
  await proc.stop('SIGINT');
  expect(await killLeftovers()).toBe(0);
  fx.cleanup();
}, 60_000);

describe('exporter under hostile clients', () => {
  it('normal scrapes answer promptly while 60 slow and silent clients hang around; those are dropped', async () => {
    const bad = [
      ...(await Promise.all(Array.from({ length: 30 }, () => openIdle(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n')))),
      ...(await Promise.all(Array.from({ length: 30 }, () => openIdle(port, '')))),
    ];
    const started = Date.now();
    const scrapes = await Promise.all(Array.from({ length: 10 }, () => get(port, '/metrics')));
    for (const s of scrapes) {
      expect(s.status).toBe(200);
      expect(s.body).toMatch(/^# (HELP|TYPE) dsari_/m);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    // The slow clients are closed once the header timeout has passed.
    const deadline = Date.now() + SERVER_LIMITS.requestTimeoutMs + 10_000;
    while (bad.some((b) => !b.closed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(bad.filter((b) => !b.closed())).toHaveLength(0);
    expect(proc.running).toBe(true);
  }, 60_000);

  it('an oversized URL or headers get 431 (or 414), an unknown path 404; the exporter keeps answering', async () => {
    expect(await raw(port, `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(/^HTTP\/1\.1 (431|414) /);
    expect(await raw(port, `GET /metrics HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await raw(port, 'BLAH\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    for (const path of ['/', '/metrics/../etc/passwd', '/favicon.ico', `/${'%00'.repeat(100)}`]) {
      expect((await get(port, path)).status, path).toBe(404);
    }
    expect((await get(port, '/metrics')).status).toBe(200);
  }, 60_000);

  it(`open connections are bounded (at most ${SERVER_LIMITS.maxConnections}); after the flood, scrapes answer`, async () => {
    const flood = await Promise.all(Array.from({ length: SERVER_LIMITS.maxConnections + 100 }, () => openIdle(port, '')));
    // Connections past the limit are closed at once by the server.
    const deadline = Date.now() + 10_000;
    const countClosed = (): number => flood.filter((f) => f.closed()).length;
    while (countClosed() < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(countClosed()).toBeGreaterThanOrEqual(100);
    for (const f of flood) f.socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect((await get(port, '/metrics')).status).toBe(200);
    expect(proc.running).toBe(true);
  }, 60_000);
});
