import { request } from 'node:http';
import { createServer, connect, type Server } from 'node:net';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killLeftovers, runCli, startProcess, type ManagedProcess } from '../helpers/index.js';
import { makeInfoFixture, type InfoFixture } from '../info/setup.js';
import { parseExpositionStrict } from './strict-parser.js';

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, method = 'GET'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startExporter(fx: InfoFixture, extra: string[] = []): Promise<{ proc: ManagedProcess; port: number }> {
  const proc = startProcess('dsari-prometheus-exporter', fx.args('--listen-address', '127.0.0.1', '--listen-port', '0', ...extra));
  await proc.waitForOutput(/Listening on http:\/\/127\.0\.0\.1:\d+\//);
  const port = Number(/127\.0\.0\.1:(\d+)\//.exec(proc.stderr)?.[1]);
  return { proc, port };
}

describe('dsari-prometheus-exporter', () => {
  let fx: InfoFixture;
  beforeEach(() => {
    fx = makeInfoFixture();
  });
  afterEach(async () => {
    expect(await killLeftovers()).toBe(0);
    fx.cleanup();
  });

  it('--dump prints valid exposition text once and exits 0', async () => {
    const r = await runCli('dsari-prometheus-exporter', fx.args('--dump', '--quantiles', '0.5,1'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const strict = parseExpositionStrict(r.stdout);
    const lenient = parsePrometheusTextFormat(r.stdout);
    expect(lenient.map((f) => f.name)).toEqual(strict.map((f) => f.name));
    const counts = lenient.find((f) => f.name === 'dsari_run_count');
    expect(counts?.metrics).toEqual([
      { labels: { job_name: 'backup' }, value: '2' },
      { labels: { job_name: 'lint' }, value: '1' },
      { labels: { job_name: 'manual' }, value: '0' },
    ]);
    expect(r.stdout).toMatch(/^dsari_run_duration_seconds\{job_name="backup",quantile="1"\} 99\.5\d*$/m);
    expect(r.stdout).toMatch(/^dsari_running_run_start_time\{job_name="lint",run_id="bbbbbbbb-0000-4000-8000-000000000002"\} \d+\.\d+$/m);
    const noRunning = await runCli('dsari-prometheus-exporter', fx.args('--dump', '--no-running'));
    expect(noRunning.code).toBe(0);
    expect(noRunning.stdout).not.toContain('dsari_running_run');
  });

  it('serves metrics over HTTP on the metrics path, 404 elsewhere, HEAD without body, 405 for POST', async () => {
    const { proc, port } = await startExporter(fx, ['--metrics-path', '/m']);
    const ok = await get(port, '/m?x=1');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(parseExpositionStrict(ok.body).map((f) => f.name)).toContain('dsari_version_info');
    expect(ok.body).toMatch(/^dsari_run_failure_count\{job_name="backup"\} 1$/m);
    const missing = await get(port, '/metrics');
    expect(missing.status).toBe(404);
    expect(missing.body).toBe('Not Found\n');
    const head = await get(port, '/m', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await get(port, '/m', 'POST')).status).toBe(405);
    proc.signal('SIGTERM');
    await proc.exited;
    expect(proc.exitCode).toBe(0);
  });

  it('a slow client does not block others; oversized headers are refused', async () => {
    const { proc, port } = await startExporter(fx);
    // a client that sends half a request and then nothing
    const slow = connect(port, '127.0.0.1');
    await new Promise<void>((r) => slow.on('connect', () => r()));
    slow.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    const ok = await get(port, '/metrics');
    expect(ok.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    const big = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let answer = '';
      s.setEncoding('utf8').on('data', (d: string) => (answer += d));
      s.on('close', () => resolve(answer));
      s.on('error', reject);
      s.write(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    });
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    expect((await get(port, '/metrics')).status).toBe(200);
    slow.destroy();
    await proc.stop('SIGINT');
    expect(proc.exitCode).toBe(0);
  });

  it('a port in use: exit 1 with one clear line', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli('dsari-prometheus-exporter', fx.args('--listen-address', '127.0.0.1', '--listen-port', String(port)));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`dsari-prometheus-exporter: cannot listen on 127.0.0.1:${port}: address already in use\n`);
    } finally {
      blocker.close();
    }
  });

  it.each([
    [['--quantiles', '0.5,2'], /quantile "2" is not a number from 0 to 1/],
    [['--listen-port', 'http'], /port number/],
    [['--job-cache-time', '-1'], /seconds/],
    [['--metrics-path', 'metrics'], /must start with "\/"/],
  ])('bad option %j is bad usage (exit 2)', async (args, message) => {
    const r = await runCli('dsari-prometheus-exporter', fx.args('--dump', ...args));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('SIGHUP reloads the configuration (a new job appears); an invalid one is kept out', async () => {
    const { proc, port } = await startExporter(fx);
    expect((await get(port, '/metrics')).body).not.toContain('job_name="added"');
    const { appendFileSync, writeFileSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(fx.configDir, 'dsari.yaml');
    const good = readFileSync(file, 'utf8');
    appendFileSync(file, '  added:\n    command: ["true"]\n');
    proc.signal('SIGHUP');
    await proc.waitForOutput('configuration reloaded');
    expect((await get(port, '/metrics')).body).toMatch(/^dsari_run_count\{job_name="added"\} 0$/m);
    writeFileSync(file, `${good}  broken: [\n`);
    proc.signal('SIGHUP');
    await proc.waitForOutput('keeping the old one');
    expect((await get(port, '/metrics')).body).toMatch(/^dsari_run_count\{job_name="added"\} 0$/m);
    await proc.stop('SIGTERM');
  });
});
