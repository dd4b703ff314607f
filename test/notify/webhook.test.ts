/** The webhook deliverer against a real local HTTP server (SPEC-BEYOND §12.6). */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postWebhook, RESPONSE_READ_CAP } from '../../src/notify/webhook.js';
import { WebhookServer } from './webhook-server.js';

let server: WebhookServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const body = { event: 'failure', job: 'backup' };

describe('postWebhook', () => {
  it('POSTs the JSON body with the headers and succeeds on 2xx', async () => {
    server = await new WebhookServer().start();
    const r = await postWebhook({ url: server.url(), headers: { Authorization: 'Bearer s3cret-value' }, body, timeoutMs: 5000 });
    expect(r).toEqual({ ok: true, status: 200, error: null });
    expect(server.received).toHaveLength(1);
    expect(JSON.parse(server.received[0]!.body)).toEqual(body);
    expect(server.received[0]!.headers['authorization']).toBe('Bearer s3cret-value');
    expect(server.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('a 500 is a failed attempt with the status and the start of the answer', async () => {
    server = await new WebhookServer().start();
    server.mode = 'fail';
    const r = await postWebhook({ url: server.url(), headers: {}, body, timeoutMs: 5000 });
    expect(r).toEqual({ ok: false, status: 500, error: 'HTTP 500: internal trouble at REDACTED ()' });
  });

  it('a server that never answers fails at the timeout', async () => {
    server = await new WebhookServer().start();
    server.mode = 'hang';
    const started = Date.now();
    const r = await postWebhook({ url: server.url(), headers: {}, body, timeoutMs: 300 });
    expect(r.ok).toBe(false);
    expect(r.error).toBe('no complete answer within 0.3 s');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a redirect is not followed: one request, a failed attempt', async () => {
    server = await new WebhookServer().start();
    server.mode = 'redirect';
    const r = await postWebhook({ url: server.url(), headers: {}, body, timeoutMs: 5000 });
    expect(r).toEqual({ ok: false, status: 302, error: 'HTTP 302 (redirects are not followed)' });
    expect(server.received).toHaveLength(1);
  });

  it('a 50 MB answer is cut off after the read cap, not downloaded', async () => {
    server = await new WebhookServer().start();
    server.mode = 'huge';
    const r = await postWebhook({ url: server.url(), headers: {}, body, timeoutMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(r.status).toBe(500);
    expect(r.error).toMatch(/^HTTP 500: x{200} …$/);
    // the server could not have sent it all: the client hung up after the cap
    expect(server.hugeSent).toBeLessThan(50 * 1024 * 1024);
    expect(RESPONSE_READ_CAP).toBe(64 * 1024);
  });

  it('a refused connection fails without naming the URL; the server coming back succeeds', async () => {
    // a port nobody listens on: take one, then free it
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const url = `http://127.0.0.1:${port}/hook/secret-token-123`;
    const r = await postWebhook({ url, headers: {}, body, timeoutMs: 5000 });
    expect(r).toEqual({ ok: false, status: null, error: 'connection refused' });
    server = await new WebhookServer().start(port);
    const again = await postWebhook({ url, headers: {}, body, timeoutMs: 5000 });
    expect(again.ok).toBe(true);
  });

  it('errors never contain the URL or header values', async () => {
    server = await new WebhookServer().start();
    server.mode = 'fail';
    // the server echoes the path and a header value back in its answer
    const r = await postWebhook({ url: server.url('/hook/secret-token-123?key=k3y-value'), headers: { 'X-Token': 'tok-987654' }, body, timeoutMs: 5000 });
    expect(r.error).toBe('HTTP 500: internal trouble at REDACTED (REDACTED)');
    const dns = await postWebhook({ url: 'http://no-such-host.invalid/hook/secret-token-123', headers: {}, body, timeoutMs: 5000 });
    expect(dns.ok).toBe(false);
    expect(dns.error).not.toContain('secret-token-123');
  });
});
