/**
 * Helpers for the HTTP API's integration tests: a site whose configuration has `http:` on an
 * ephemeral loopback port and three tokens (read, operate, admin), the BUILT daemon started on
 * it, and requests over real HTTP.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { ManagedProcess } from '../helpers/index.js';
import { Site } from './daemon-helpers.js';

export interface Tokens {
  readonly read: string;
  readonly operate: string;
  readonly admin: string;
}

export function makeTokens(): Tokens {
  const t = (): string => `dsari_${randomBytes(24).toString('base64url')}`;
  return { read: t(), operate: t(), admin: t() };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The `http:` section for these tokens. */
export function httpYaml(tokens: Tokens, extra = 'anonymous: none'): string {
  return `http:
  listen: "127.0.0.1:0"
  ${extra}
  tokens:
    - {name: reader, sha256: "${sha(tokens.read)}", role: read}
    - {name: operator, sha256: "${sha(tokens.operate)}", role: operate}
    - {name: boss, sha256: "${sha(tokens.admin)}", role: admin}
`;
}

export interface HttpDaemon {
  readonly site: Site;
  readonly daemon: ManagedProcess;
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  readonly tokens: Tokens;
}

/** Starts the built daemon with `http` and these jobs; resolves once it listens. */
export async function startHttpDaemon(jobsYaml: string, options: { tokens?: Tokens; httpExtra?: string; site?: Site } = {}): Promise<HttpDaemon> {
  const tokens = options.tokens ?? makeTokens();
  const site = options.site ?? new Site(`${httpYaml(tokens, options.httpExtra)}${jobsYaml}`);
  const daemon = site.start();
  await daemon.waitForOutput(/HTTP API and web console listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
  const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(daemon.stderr);
  return { site, daemon, base: (m as RegExpExecArray)[1] as string, tokens };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** A request with an optional bearer token; the answer read whole. */
export async function call(base: string, path: string, init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers['Authorization'] = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** A request with the path sent exactly as given (no URL normalisation), for traversal tests. */
export function rawGet(base: string, path: string, token: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET', headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads a text/event-stream until `until` says stop (or the stream ends); returns the events. */
export async function readEvents(base: string, path: string, token: string, until: (events: Array<{ event: string; data: string; at: number }>) => boolean, timeoutMs = 30_000): Promise<Array<{ event: string; data: string; at: number }>> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` }, signal: ac.signal });
  const events: Array<{ event: string; data: string; at: number }> = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      // A stream cut by the server (its shutdown) ends the reading with what came so far.
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) events.push({ event, data: data.join('\n'), at: performance.now() });
      }
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return events;
}
