/** The smaller console pages: concurrency groups, the schedule playground, the login form. */
import { errorMessage } from '../../errors.js';
import { absoluteTime } from '../../report/humanize.js';
import { compileSchedule, isValidZone, localZone } from '../../schedule/index.js';
import type { Identity } from '../auth.js';
import type { HttpContext } from '../context.js';
import { html, seg } from './html.js';
import { page } from './layout.js';
import { when } from './parts.js';

export function groupsPage(ctx: HttpContext, identity: Identity): string {
  const now = ctx.control.clock.now();
  const s = ctx.control.status();
  const jobs = ctx.control.config().jobs;
  const sections = s.groups.map((g) => {
    const holders = s.running.filter((r) => r.concurrencyGroup === g.name);
    const waiting = s.pending.filter((p) => p.waiting && (jobs.get(p.job)?.concurrencyGroups.includes(g.name) ?? false));
    const pct = g.max === 0 ? 0 : Math.round((g.used / g.max) * 100);
    return html`<section class="card group" data-group="${g.name}"><h2>${g.name}</h2>
<p><meter min="0" max="${String(g.max)}" value="${String(g.used)}">${String(pct)}%</meter> ${String(g.used)} of ${String(g.max)} slots in use</p>
${holders.length === 0 ? '' : html`<h3>Holding a slot</h3><ul>${holders.map((r) => html`<li><a href="/runs/${seg(r.runId)}">${r.job}</a> since ${when(r.startTime, now)}</li>`)}</ul>`}
${waiting.length === 0 ? html`<p class="muted">Nothing waits for it.</p>` : html`<h3>Waiting</h3><ul>${waiting.map((p) => html`<li><a href="/jobs/${seg(p.job)}">${p.job}</a> <span class="mono small">${p.runId.slice(0, 8)}</span>, due ${when(p.scheduleTime, now)}</li>`)}</ul>`}</section>`;
  });
  const body = html`<h1>Concurrency groups</h1>${sections.length === 0 ? html`<p class="muted">No concurrency groups are configured.</p>` : html`<div class="grid">${sections}</div>`}
<p><a href="/groups/simulate" id="simulate-link">Simulate the next 24 hours</a> <span class="muted">(what would run, wait and fill up, with durations from the history: <code>dsari simulate</code>)</span></p>`;
  return page({ title: 'Groups', identity, nav: 'groups', live: true, body });
}

export function schedulePage(ctx: HttpContext, identity: Identity, q: { expression?: string; job?: string; timezone?: string }): string {
  const now = ctx.control.clock.now();
  const expression = q.expression ?? '';
  const job = q.job ?? '';
  const zone = q.timezone === undefined || q.timezone === '' ? localZone() : q.timezone;
  let result = html``;
  if (expression.trim() !== '') {
    try {
      if (!isValidZone(zone)) throw new Error(`unknown time zone "${zone}"`);
      const s = compileSchedule(expression, { jobName: job, timezone: zone });
      const times: number[] = [];
      let t: number | null = now;
      while (times.length < 10) {
        t = s.next(t);
        if (t === null) break;
        times.push(t);
      }
      result = times.length === 0 ? html`<p class="muted">It never fires again.</p>` : html`<ol class="times" id="times">${times.map((x) => html`<li>${absoluteTime(x)} <span class="muted">(${when(x, now)})</span></li>`)}</ol>`;
    } catch (err) {
      result = html`<p class="error" id="schedule-error">${errorMessage(err)}</p>`;
    }
  }
  const body = html`<h1>Schedule playground</h1>
<form method="get" action="/schedule" class="card">
<label for="expression">Expression <span class="muted">(cron, @alias or RRULE)</span></label><input id="expression" name="expression" value="${expression}" placeholder="H 3 * * *" spellcheck="false">
<label for="job">Job name <span class="muted">(seeds H and R)</span></label><input id="job" name="job" value="${job}">
<label for="timezone">Time zone</label><input id="timezone" name="timezone" value="${zone}">
<button type="submit" class="primary">Show the next fire times</button></form>
${result}`;
  return page({ title: 'Schedule', identity, nav: 'schedule', body });
}

export function loginPage(identity: Identity, loginCsrf: string, next: string, error: string | null): string {
  const body = html`<h1>Log in</h1>
${error === null ? '' : html`<p class="banner error" id="login-error">${error}</p>`}
<form method="post" action="/login" class="card narrow" id="login-form">
<input type="hidden" name="_login" value="${loginCsrf}"><input type="hidden" name="next" value="${next}">
<label for="token">Token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">Log in</button>
<p class="muted small">A token made with <code>dsari token new NAME --role ROLE</code>. The console keeps a session cookie, not the token.</p></form>`;
  return page({ title: 'Log in', identity, nav: 'login', body });
}
