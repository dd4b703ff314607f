/**
 * The HTTP API's security and bad input (issue "Web console and HTTP API"), against the BUILT
 * daemon over real HTTP: 401/403 on every route, oversized and malformed bodies, unknown and
 * hostile ids, text from runs escaped, forged forms, a slow client, 500 concurrent connections —
 * and the daemon keeps scheduling through all of it, with no token in its log.
 */
import { request as httpRequest, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, waitFor } from '../helpers/index.js';
import { call, type HttpDaemon, httpYaml, makeTokens, rawGet, startHttpDaemon } from './http-helpers.js';
import { Site } from './daemon-helpers.js';

let h: HttpDaemon | null = null;
let sites: Site[] = [];
afterEach(async () => {
  await h?.daemon.stop();
  expect(await killLeftovers()).toBe(0);
  h?.site.cleanup();
  for (const s of sites) s.cleanup();
  sites = [];
  h = null;
});

const JOBS = `
jobs:
  echo:
    command: [/bin/sh, -c, 'echo "<script>document.title=\\"pwned\\"</script>" "\\" onmouseover=\\"alert(1)"']
  every-second:
    command: /bin/true
    schedule: "* * * * * *"
`;

/** A GET with its own Host header (fetch does not let one set it). */
function rawGetHost(base: string, path: string, host: string): Promise<{ status: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

type Doc = { paths: Record<string, Record<string, { 'x-dsari-role': string }>> };

/** Every API operation with its role, paths filled with an existing job and a run id. */
async function operations(d: HttpDaemon, runId: string): Promise<Array<{ method: string; path: string; role: string }>> {
  const doc = (await call(d.base, '/api/v1/openapi.json')).json<Doc>();
  const ops: Array<{ method: string; path: string; role: string }> = [];
  for (const [p, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) ops.push({ method: method.toUpperCase(), path: p.replace('{job}', 'echo').replace('{run_id}', runId), role: op['x-dsari-role'] });
  }
  return ops;
}

/** Runs of the every-second job recorded so far, with their lag (start − schedule). */
function ticks(site: Site): Array<{ lag: number; start: number }> {
  return site.rows().filter((r) => r.job_name === 'every-second').map((r) => ({ lag: r.start_time - r.schedule_time, start: r.start_time }));
}

describe('HTTP API: security and bad input', () => {
  it('answers 401 without a token or with a wrong one, 403 to a read token on every write route', async () => {
    h = await startHttpDaemon(JOBS, { httpExtra: 'anonymous: none' });
    const run = await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: h.tokens.operate, body: {} });
    const runId = run.json<{ run_id: string }>().run_id;
    const ops = await operations(h, runId);
    expect(ops.length).toBeGreaterThanOrEqual(17);
    for (const op of ops) {
      const none = await call(h.base, op.path, { method: op.method, ...(op.method === 'POST' ? { body: {} } : {}) });
      const wrong = await call(h.base, op.path, { method: op.method, token: 'dsari_not-a-token', ...(op.method === 'POST' ? { body: {} } : {}) });
      if (op.role === 'none') {
        expect(none.status, `${op.method} ${op.path}`).not.toBe(401);
        continue;
      }
      for (const r of [none, wrong]) {
        expect(r.status, `${op.method} ${op.path}`).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(r.json<{ error: { code: string } }>().error.code).toBe('unauthorized');
      }
      if (op.method === 'POST') {
        const reader = await call(h.base, op.path, { method: 'POST', token: h.tokens.read, body: {} });
        expect(reader.status, `${op.method} ${op.path}`).toBe(403);
        if (op.role === 'admin') expect((await call(h.base, op.path, { method: 'POST', token: h.tokens.operate, body: {} })).status).toBe(403);
      }
    }
    // console pages send a visitor without a login to the login form
    for (const page of ['/', '/jobs/echo', '/groups', '/schedule']) {
      const r = await call(h.base, page);
      expect(r.status, page).toBe(303);
      expect(r.headers.get('location')).toBe(`/login?next=${encodeURIComponent(page)}`);
    }
  });

  it('refuses a 10 MB body (413), malformed JSON (400 naming it), other media types (415), bad fields (400 naming the field)', async () => {
    h = await startHttpDaemon(JOBS);
    // A client that sends its whole body before it reads gets the answer, not EPIPE: the daemon
    // reads and drops the rest of a refused body (before, most of these failed with "write EPIPE").
    const tenMb = JSON.stringify({ description: 'x'.repeat(10 * 1024 * 1024) });
    for (let i = 0; i < 5; i++) {
      const big = await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: h.tokens.operate, body: tenMb });
      expect(big.status).toBe(413);
      expect(big.json<{ error: { code: string } }>().error.code).toBe('body_too_large');
    }
    const bigText = await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: h.tokens.operate, body: 'x'.repeat(4 * 1024 * 1024), headers: { 'Content-Type': 'text/plain' } });
    expect(bigText.status).toBe(415);
    const broken = await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: h.tokens.operate, body: '{"environment": {' });
    expect(broken.status).toBe(400);
    expect(broken.json<{ error: { message: string } }>().error.message).toMatch(/JSON/);
    const text = await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: h.tokens.operate, body: 'hello', headers: { 'Content-Type': 'text/plain' } });
    expect(text.status).toBe(415);
    const cases: Array<[unknown, RegExp]> = [
      [{ environment: 'A=1' }, /body\/environment must be object/],
      [{ environment: { A: { nested: 1 } } }, /body\/environment\/A must be string,number/],
      [{ environment: { RUN_ID: 'mine' } }, /environment may not set RUN_ID/],
      [{ schedule_time: 'yesterday-ish' }, /schedule_time/],
      [{ colour: 'red' }, /must NOT have additional properties/],
      [{ schedule_timezone: 'Mars/Olympus' }, /schedule_timezone/],
    ];
    for (const [body, message] of cases) {
      const r = await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: h.tokens.operate, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json<{ error: { message: string } }>().error.message).toMatch(message);
    }
    const rebound = await rawGetHost(h.base, '/api/v1/jobs', 'evil.example:80');
    expect(rebound.status).toBe(421);
    const limit = await call(h.base, '/api/v1/runs?limit=100000', { token: h.tokens.read });
    expect(limit.status).toBe(400);
    expect(limit.json<{ error: { message: string } }>().error.message).toMatch(/limit/);
    expect((await call(h.base, '/healthz')).status).toBe(200);
  });

  it('answers a refused body with 413 on a kept connection, and cuts off a client that stops sending the rest', async () => {
    h = await startHttpDaemon(JOBS);
    const url = new URL(h.base);
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /api/v1/jobs/echo/trigger HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${h.tokens.operate}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n');
    socket.write('x'.repeat(200_000)); // then nothing more: 9.8 MB are never sent
    await waitFor('the 413', () => answer.includes('body_too_large'), { timeoutMs: 10_000 });
    const answered = Date.now();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).not.toMatch(/\r\nconnection: close/);
    // The daemon waits for the rest until its request limits end it (~6 s here), then closes the socket.
    const at = await closed;
    expect(at - answered).toBeLessThan(20_000);
    expect((await call(h.base, '/healthz')).status).toBe(200);
  }, 40_000);

  it('answers 404 for unknown jobs and runs, and never reads outside the data directory', async () => {
    h = await startHttpDaemon(JOBS);
    for (const [method, path] of [['GET', '/api/v1/jobs/nope'], ['GET', '/api/v1/jobs/nope/runs'], ['POST', '/api/v1/jobs/nope/trigger'], ['GET', '/api/v1/runs/0b5e0f3c-0000-4000-8000-000000000000'], ['GET', '/api/v1/runs/0b5e0f3c-0000-4000-8000-000000000000/output'], ['POST', '/api/v1/runs/0b5e0f3c-0000-4000-8000-000000000000/cancel']] as const) {
      const r = await call(h.base, path, { method, token: h.tokens.operate, ...(method === 'POST' ? { body: {} } : {}) });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('not_found');
    }
    for (const path of ['/api/v1/runs/../../etc/passwd', '/api/v1/runs/../../../../etc/passwd/output', '/api/v1/runs/..%2F..%2F..%2Fetc%2Fpasswd/output', '/api/v1/runs/%2e%2e/output', '/api/v1/runs/%00/output', '/api/v1/runs/abc%00def', '/api/v1/jobs/..%2F..%2Fetc/runs', '/api/v1/jobs/%00/runs', '/api/v1/runs/' + 'a'.repeat(5000)]) {
      const r = await rawGet(h.base, path, h.tokens.read);
      expect([400, 404, 414], path).toContain(r.status);
      expect(r.body).not.toMatch(/root:/);
    }
  });

  it('shows text from runs and triggers escaped; job names with markup are refused by the configuration', async () => {
    h = await startHttpDaemon(JOBS);
    const id = (await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: h.tokens.operate, body: { description: '<img src=x onerror=alert(1)>', environment: { X: '"><script>alert(2)</script>' } } })).json<{ run_id: string }>().run_id;
    await waitFor('run recorded', () => h!.site.rows().some((r) => r.run_id === id));
    const page = await call(h.base, `/runs/${id}`, { token: h.tokens.read });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.text).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; &quot; onmouseover=&quot;alert(1)');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).toContain('X=&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page.text).not.toMatch(/<script>(document|alert)/);
    expect(page.text).not.toContain('<img src=x');
    const bad = new Site(`jobs:\n  "<script>x</script>":\n    command: /bin/true\n`);
    sites.push(bad);
    const d = bad.start();
    await d.exited;
    expect(d.exitCode).toBe(1);
    expect(d.stderr).toMatch(/contains "<"; only letters, digits, space and/);
  });

  it('refuses forged forms: no or a wrong CSRF token, a login form from elsewhere; sessions are HttpOnly SameSite=Strict', async () => {
    h = await startHttpDaemon(JOBS, { httpExtra: 'anonymous: none' });
    const form = await call(h.base, '/login');
    const loginCookie = (form.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const loginToken = /name="_login" value="([^"]+)"/.exec(form.text)?.[1] as string;
    const forged = await call(h.base, '/login', { method: 'POST', body: new URLSearchParams({ _login: 'guess', token: h.tokens.operate }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: loginCookie } });
    expect(forged.status).toBe(403);
    const wrong = await call(h.base, '/login', { method: 'POST', body: new URLSearchParams({ _login: loginToken, token: 'nope' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: loginCookie } });
    expect(wrong.status).toBe(401);
    const ok = await call(h.base, '/login', { method: 'POST', body: new URLSearchParams({ _login: loginToken, token: h.tokens.operate, next: '/jobs/echo' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: loginCookie } });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/jobs/echo');
    const setCookie = ok.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/dsari_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const session = /(dsari_session=[^;]+)/.exec(setCookie)?.[1] as string;
    const jobPage = await call(h.base, '/jobs/echo', { headers: { Cookie: session } });
    expect(jobPage.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(jobPage.text)?.[1] as string;
    expect(csrf.length).toBeGreaterThan(20);
    const post = (body: Record<string, string>) => call(h!.base, '/jobs/echo/trigger', { method: 'POST', body: new URLSearchParams(body).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: session } });
    expect((await post({ environment: '' })).status).toBe(403);
    expect((await post({ environment: '', _csrf: 'x'.repeat(csrf.length) })).status).toBe(403);
    expect((await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', body: {}, headers: { Cookie: session } })).status).toBe(403);
    // (every-second runs on its own schedule meanwhile; the forged requests must not have run echo)
    expect(h.site.rows().filter((r) => r.job_name === 'echo')).toEqual([]);
    const good = await post({ environment: 'A=1', _csrf: csrf });
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toMatch(/^\/jobs\/echo\?triggered=[0-9a-f-]{36}$/);
    expect((await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', body: {}, headers: { Cookie: session, 'X-CSRF-Token': csrf } })).status).toBe(202);
    // an open redirect through next= is not possible
    const evil = await call(h.base, '/login', { method: 'POST', body: new URLSearchParams({ _login: loginToken, token: h.tokens.read, next: '//evil.example/' }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: loginCookie } });
    expect(evil.headers.get('location')).toBe('/');
  });

  it('drops a client sending one header byte a second and keeps scheduling meanwhile', async () => {
    h = await startHttpDaemon(JOBS);
    await waitFor('scheduling', () => ticks(h!.site).length >= 1, { timeoutMs: 15_000 });
    const url = new URL(h.base);
    const socket: Socket = connect(Number(url.port), url.hostname);
    let closedAt = 0;
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve((closedAt = Date.now()) as unknown as void)));
    socket.on('error', () => undefined);
    const start = Date.now();
    const request = 'GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
    let i = 0;
    const drip = setInterval(() => {
      if (socket.destroyed) return clearInterval(drip);
      socket.write(request[i++ % request.length] as string);
    }, 1000);
    const before = ticks(h.site).length;
    await closed;
    clearInterval(drip);
    expect(closedAt - start).toBeLessThan(20_000);
    expect(answer === '' || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
    await waitFor('more scheduled runs', () => ticks(h!.site).length >= before + 3, { timeoutMs: 15_000 });
    expect((await call(h.base, '/api/v1/jobs', { token: h.tokens.read })).status).toBe(200);
  });

  it('serves 500 concurrent connections and keeps scheduling on time; no token appears in the log', async () => {
    const tokens = makeTokens();
    const site = new Site(`${httpYaml(tokens, 'anonymous: none')}${JOBS}`);
    const daemon = site.start(['--debug']);
    await daemon.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
    h = { site, daemon, base: /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(daemon.stderr)?.[1] as string, tokens };
    await waitFor('scheduling', () => ticks(site).length >= 1, { timeoutMs: 15_000 });
    const url = new URL(h.base);
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const one = (): Promise<number> =>
      new Promise((resolve) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: '/api/v1/jobs', agent, headers: { Authorization: `Bearer ${tokens.read}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(-1));
        req.end();
      });
    const t0 = Date.now() / 1000;
    const statuses = await Promise.all(Array.from({ length: 500 }, one));
    // idle connections held open at the same time must not stop anything either
    const idle = await Promise.all(Array.from({ length: 500 }, () => new Promise<Socket>((resolve) => { const s = connect(Number(url.port), url.hostname, () => resolve(s)); s.on('error', () => undefined); })));
    const again = await Promise.all(Array.from({ length: 100 }, one));
    await waitFor('runs after the flood', () => ticks(site).filter((t) => t.start > t0).length >= 3, { timeoutMs: 20_000 });
    for (const s of idle) s.destroy();
    agent.destroy();
    expect(statuses.filter((s) => s === 200).length).toBe(500);
    expect(again.filter((s) => s === 200).length).toBe(100);
    // runs started on time while the API was busy (generous bound for a loaded machine)
    for (const t of ticks(site).filter((x) => x.start > t0)) expect(t.lag).toBeLessThan(1);
    // wrong tokens and console logins are logged by name at most
    await call(h.base, '/api/v1/jobs', { token: 'dsari_WRONGTOKENvalue1234567890' });
    await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', token: tokens.operate, body: { description: 'logged?' } });
    await daemon.stop();
    for (const secret of [tokens.read, tokens.operate, tokens.admin, 'dsari_WRONGTOKENvalue1234567890']) expect(daemon.stderr).not.toContain(secret);
    expect(daemon.stderr).toContain('HTTP: trigger accepted from operator');
  });

  it('refuses a configuration open to anonymous readers on a public address without tokens, and a taken port', async () => {
    const open = new Site(`http:\n  listen: "0.0.0.0:0"\n  anonymous: read\njobs: {}\n`);
    sites.push(open);
    const d = open.start();
    await d.exited;
    expect(d.exitCode).toBe(1);
    expect(d.stderr).toMatch(/http: anonymous: listen "0\.0\.0\.0:0" is reachable from other hosts and anonymous: read with no tokens/);
    // the default on loopback: anonymous reading, but writing needs a token
    h = await startHttpDaemon(JOBS, { httpExtra: '' });
    expect((await call(h.base, '/api/v1/jobs')).status).toBe(200);
    expect((await call(h.base, '/api/v1/jobs/echo/trigger', { method: 'POST', body: {} })).status).toBe(401);
    const port = new URL(h.base).port;
    const clash = new Site(`http:\n  listen: "127.0.0.1:${port}"\njobs: {}\n`);
    sites.push(clash);
    const c = clash.start();
    await c.exited;
    expect(c.exitCode).toBe(1);
    expect(c.stderr).toMatch(new RegExp(`http: cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
  });
});
