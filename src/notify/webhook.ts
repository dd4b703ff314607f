/**
 * The `webhook` deliverer (SPEC-BEYOND §12.6): one POST with a JSON body, the notifier's
 * headers, a time limit on the whole exchange. Redirects are not followed (a 3xx is a failed
 * attempt: following them could loop forever or send the body somewhere else); at most
 * {@link RESPONSE_READ_CAP} bytes of the answer are read, for the error message. The URL and
 * header values are secrets: they never appear in the result.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errorMessage } from '../errors.js';
import { scrubSecrets } from '../store/redact.js';

/** Bytes of a response read at most (a 50 MB answer is cut off, not buffered). */
export const RESPONSE_READ_CAP = 64 * 1024;

export interface WebhookSpec {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly timeoutMs: number;
  /** Ends the attempt early (daemon shutdown). */
  readonly signal?: AbortSignal;
}

export interface WebhookResult {
  readonly ok: boolean;
  /** HTTP status, when an answer came. */
  readonly status: number | null;
  /** Why it failed, secrets removed. */
  readonly error: string | null;
}

/** POSTs once. Never throws. */
export function postWebhook(spec: WebhookSpec): Promise<WebhookResult> {
  const url = new URL(spec.url);
  // The token of a webhook is usually in its path or query; a server may echo either back.
  const secrets = [spec.url, url.pathname + url.search, url.search.slice(1), url.password, ...Object.values(spec.headers)].filter((s) => s.length > 1 && s !== '/');
  const payload = Buffer.from(JSON.stringify(spec.body), 'utf8');
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: WebhookResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      resolve(r.error === null ? r : { ...r, error: scrubSecrets(r.error, secrets) });
    };
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'dsari', ...spec.headers, 'content-length': String(payload.length) },
    });
    const timer = setTimeout(() => {
      done({ ok: false, status: null, error: `no complete answer within ${spec.timeoutMs / 1000} s` });
      req.destroy();
    }, spec.timeoutMs);
    const onAbort = (): void => {
      done({ ok: false, status: null, error: 'ended by the daemon shutting down' });
      req.destroy();
    };
    spec.signal?.addEventListener('abort', onAbort);
    req.on('error', (err) => done({ ok: false, status: null, error: describeNetworkError(err) }));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      let body = '';
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        if (read < RESPONSE_READ_CAP) body += chunk.subarray(0, RESPONSE_READ_CAP - read).toString('utf8');
        read += chunk.length;
        if (read >= RESPONSE_READ_CAP) {
          // Enough to say what went wrong; the rest is not downloaded.
          finishWith(status, body, true);
          res.destroy();
        }
      });
      res.on('end', () => finishWith(status, body, false));
      res.on('error', (err) => done({ ok: false, status, error: describeNetworkError(err) }));
    });
    const finishWith = (status: number, body: string, cut: boolean): void => {
      if (status >= 200 && status < 300) return done({ ok: true, status, error: null });
      const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
      const what = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
      done({ ok: false, status, error: `${what}${snippet === '' ? '' : `: ${snippet}${cut || body.length > 200 ? ' …' : ''}`}` });
    };
    req.end(payload);
  });
}

function describeNetworkError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code === 'ENOTFOUND') return 'host not found';
  return errorMessage(err);
}
