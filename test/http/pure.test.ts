/** Pure parts of the HTTP layer: ranges, cursors, escaping, roles and identification. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HttpConfig } from '../../src/config/http.js';
import { identify, requireCsrf, requireRole, Sessions } from '../../src/http/auth.js';
import { html, raw } from '../../src/http/console/html.js';
import { triggerBodyFromForm } from '../../src/http/console/job.js';
import { scheduleInWords } from '../../src/http/console/schedule-words.js';
import { HttpError } from '../../src/http/errors.js';
import { decodeCursor, encodeCursor, redactEnvironment } from '../../src/http/model.js';
import { parseRange } from '../../src/http/routes-runs.js';
import { hostAllowed } from '../../src/http/server.js';
import { findToken, newToken } from '../../src/http/tokens.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function cfg(anonymous: 'none' | 'read'): HttpConfig {
  return { listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, listenText: '127.0.0.1:0', publicUrl: null, anonymous, tokens: [{ name: 'r', sha256: sha('tok-r'), role: 'read' }, { name: 'o', sha256: sha('tok-o'), role: 'operate' }] };
}

function statusOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof HttpError ? err.status : -1;
  }
}

describe('HTTP helpers', () => {
  it.each([
    ['bytes=0-4', 10, { start: 0, end: 4 }],
    ['bytes=5-', 10, { start: 5, end: 9 }],
    ['bytes=-3', 10, { start: 7, end: 9 }],
    ['bytes=8-100', 10, { start: 8, end: 9 }],
    ['bytes=10-', 10, 'unsatisfiable'],
    ['bytes=-0', 10, 'unsatisfiable'],
    ['bytes=5-2', 10, 'unsatisfiable'],
    ['items=0-1', 10, null],
    ['bytes=0-1,3-4', 10, null],
    [undefined, 10, null],
  ])('range %s of %i bytes', (header, size, want) => {
    expect(parseRange(header, size)).toEqual(want);
  });

  it('cursors round-trip and refuse what they did not make', () => {
    const c = encodeCursor({ startTime: 1796600000.123456, runId: 'abc' } as never);
    expect(decodeCursor(c)).toEqual({ time: 1796600000.123456, runId: 'abc' });
    for (const bad of ['', 'xyz', Buffer.from('[1]').toString('base64url'), Buffer.from('["a","b"]').toString('base64url')]) expect(decodeCursor(bad)).toBeNull();
  });

  it('escapes every interpolation but markup it made itself', () => {
    const evil = '<script>alert("x")</script>\' onmouseover=1';
    expect(html`<p title="${evil}">${evil}</p>`.text).toBe('<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=1">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=1</p>');
    expect(html`<ul>${['<a>', html`<li>ok</li>`, null, false, undefined]}</ul>`.text).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
    expect(html`${raw('<b>')}`.text).toBe('<b>');
  });

  it('redacts secret-looking environment values', () => {
    expect(redactEnvironment({ DB_PASSWORD: 'x', API_KEY: 'y', token: 'z', HOME: '/root' })).toEqual({ DB_PASSWORD: 'REDACTED', API_KEY: 'REDACTED', token: 'REDACTED', HOME: '/root' });
  });

  it('reads the trigger form: NAME=value lines, an optional time and description', () => {
    expect(triggerBodyFromForm({ environment: 'A=1\r\nB=x=y\n\n', schedule_time: ' 1700000000 ', description: '' })).toEqual({ environment: { A: '1', B: 'x=y' }, schedule_time: 1700000000 });
    expect(triggerBodyFromForm({ environment: 'oops' })).toMatch(/"oops" is not NAME=value/);
    expect(triggerBodyFromForm({})).toEqual({});
  });

  it('tokens: fresh ones match their digest, others match nothing', () => {
    const { token, sha256 } = newToken();
    expect(findToken([{ name: 'n', sha256, role: 'read' }], token)?.name).toBe('n');
    expect(findToken([{ name: 'n', sha256, role: 'read' }], `${token}x`)).toBeNull();
  });

  it('identifies bearer tokens, sessions and anonymous visitors, and checks roles and CSRF', () => {
    const sessions = new Sessions();
    const none = cfg('none');
    expect(identify({}, none, sessions).principal).toMatchObject({ role: 'none', via: 'anonymous' });
    expect(identify({}, cfg('read'), sessions).principal).toMatchObject({ role: 'read', via: 'anonymous' });
    expect(statusOf(() => identify({ authorization: 'Bearer nope' }, cfg('read'), sessions))).toBe(401);
    expect(statusOf(() => identify({ authorization: 'Basic abc' }, none, sessions))).toBe(401);
    const op = identify({ authorization: 'Bearer tok-o' }, none, sessions);
    expect(op.principal).toEqual({ name: 'o', role: 'operate', via: 'token' });
    expect(statusOf(() => requireRole(op, 'operate'))).toBeNull();
    expect(statusOf(() => requireRole(op, 'admin'))).toBe(403);
    expect(statusOf(() => requireRole(identify({}, none, sessions), 'read'))).toBe(401);
    const s = sessions.create(none.tokens[1] as never);
    const viaSession = identify({ cookie: `other=1; dsari_session=${s.id}` }, none, sessions);
    expect(viaSession.principal).toEqual({ name: 'o', role: 'operate', via: 'session' });
    expect(statusOf(() => requireCsrf(viaSession, undefined))).toBe(403);
    expect(statusOf(() => requireCsrf(viaSession, 'wrong'))).toBe(403);
    expect(statusOf(() => requireCsrf(viaSession, s.csrf))).toBeNull();
    expect(statusOf(() => requireCsrf(op, undefined))).toBeNull();
    // a session ends when its token leaves the configuration
    expect(identify({ cookie: `dsari_session=${s.id}` }, { ...none, tokens: [] }, sessions).principal.via).toBe('anonymous');
  });

  it('on loopback answers only to loopback names and the public_url host (no DNS rebinding)', () => {
    const c = cfg('read');
    for (const host of ['127.0.0.1:8250', 'localhost:8250', '[::1]:8250', 'localhost', 'app.localhost:1']) expect(hostAllowed(host, c), host).toBe(true);
    for (const host of ['evil.example:8250', 'evil.example', undefined, '10.0.0.1:8250']) expect(hostAllowed(host, c), String(host)).toBe(false);
    expect(hostAllowed('dsari.example.org', { ...c, publicUrl: 'https://dsari.example.org' })).toBe(true);
    expect(hostAllowed('evil.example', { ...c, listen: { kind: 'tcp', host: '0.0.0.0', port: 1 } })).toBe(true);
  });
});

describe('schedules in words', () => {
  it.each([
    ['0 3 * * *', 'every day at 03:00'],
    ['30 14 * * 1', 'every Monday at 14:30'],
    ['0 9 * * MON-FRI', 'every weekday at 09:00'],
    ['*/15 * * * *', 'every 15 minutes'],
    ['* * * * * *', 'every second'],
    ['* * * * * */10', 'every 10 seconds'],
    ['5 * * * *', 'every hour at minute 5'],
    ['@daily', 'every day at a time picked for the job'],
    ['H 3 * * *', 'every day at a minute of hour 03 picked for the job'],
    ['@hourly', 'every hour, at a minute picked for the job'],
    ['0 0 1 * *', 'on day 1 of every month at 00:00'],
    ['RRULE:FREQ=WEEKLY;BYDAY=MO,WE', 'every week on Monday, Wednesday'],
    ['0 0 13 * 5', null],
    ['1-5 * * * *', null],
  ])('%s', (expr, words) => {
    expect(scheduleInWords(expr)).toBe(words);
  });
});
