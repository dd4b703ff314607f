/** The frame of every console page: head, navigation, who is logged in, the CSRF token for forms. */
import type { Identity } from '../auth.js';
import { html, type Html } from './html.js';
import { ASSET_VERSION } from './assets.js';

export interface PageOptions {
  readonly title: string;
  readonly identity: Identity;
  /** Which navigation entry is current. */
  readonly nav?: 'overview' | 'groups' | 'schedule' | 'login';
  /** `data-live` on <main>: the page refreshes itself when the scheduler reports a change. */
  readonly live?: boolean;
  readonly body: Html;
}

/** A hidden field with the session's CSRF token (empty without a session: such forms are refused). */
export function csrfField(identity: Identity): Html {
  return html`<input type="hidden" name="_csrf" value="${identity.csrf ?? ''}">`;
}

export function canOperate(identity: Identity): boolean {
  return identity.principal.role === 'operate' || identity.principal.role === 'admin';
}

export function page(o: PageOptions): string {
  const who = o.identity.principal;
  const account =
    who.via === 'session'
      ? html`<form method="post" action="/logout" class="inline">${csrfField(o.identity)}<span class="who">${who.name} (${who.role})</span> <button type="submit" class="link">Log out</button></form>`
      : html`<a href="/login"${o.nav === 'login' ? html` aria-current="page"` : ''}>Log in</a>`;
  const link = (href: string, key: PageOptions['nav'], text: string): Html => html`<a href="${href}"${o.nav === key ? html` aria-current="page"` : ''}>${text}</a>`;
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · dsari</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/assets/console.css?v=${ASSET_VERSION}">
<script src="/assets/console.js?v=${ASSET_VERSION}" defer></script>
</head><body>
<header class="top"><a class="brand" href="/">dsari</a><nav>${link('/', 'overview', 'Overview')}${link('/groups', 'groups', 'Groups')}${link('/schedule', 'schedule', 'Schedule')}<a href="/api/v1/openapi.json">API</a></nav><div class="account">${account}</div></header>
<main id="main"${o.live === true ? html` data-live="1"` : ''}>${o.body}</main>
</body></html>`.text}`;
}
