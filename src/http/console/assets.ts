/**
 * The console's only assets, served by the daemon itself (no CDN): one stylesheet (light and
 * dark from the system's preference, phone-friendly) and one small script (live updates over
 * server-sent events, ticking times, the filter box, following output). The pages read fully
 * without the script.
 */
import { createHash } from 'node:crypto';

export const CONSOLE_CSS = `
:root{--bg:#fbfbfc;--fg:#1d2025;--muted:#667085;--card:#fff;--line:#e3e6ea;--link:#0b57d0;--ok:#1a7f37;--fail:#c62828;--run:#0b57d0;--pause:#b26a00;--pend:#7a5af8;--code:#f2f4f7;--out:#111418;--outfg:#e6e6e6}
@media (prefers-color-scheme: dark){:root{--bg:#0f1115;--fg:#e6e8eb;--muted:#98a2b3;--card:#171a21;--line:#2a2f39;--link:#8ab4f8;--ok:#4ac26b;--fail:#ff6b6b;--run:#8ab4f8;--pause:#f0a948;--pend:#a48afb;--code:#222733;--out:#0a0c0f;--outfg:#e6e6e6}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--card);position:sticky;top:0;z-index:1}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg);font-size:1.1rem}
header.top nav{display:flex;gap:1rem;flex-wrap:wrap}
header.top nav a{text-decoration:none}
header.top nav a[aria-current=page]{font-weight:600;text-decoration:underline}
header.top .account{margin-left:auto}
main{padding:1rem;max-width:1200px;margin:0 auto}
h1{font-size:1.4rem;margin:.3rem 0 1rem;word-break:break-word}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
h2 .count{color:var(--muted);font-weight:400}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:middle}
th{font-weight:600;color:var(--muted);font-size:.85rem}
td.num{font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.muted{color:var(--muted)}
.small{font-size:.85rem}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:var(--code);padding:0 .25rem;border-radius:3px;word-break:break-all}
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;background:var(--muted);vertical-align:middle}
.dot-ok{background:var(--ok)}.dot-failed{background:var(--fail)}.dot-running{background:var(--run);animation:pulse 1.2s infinite}.dot-paused{background:var(--pause)}.dot-pending{background:var(--pend)}.dot-none{background:transparent;border:2px solid var(--muted)}
@keyframes pulse{50%{opacity:.35}}
@media (prefers-reduced-motion: reduce){.dot-running{animation:none}}
.status-ok{color:var(--ok)}.status-failed{color:var(--fail)}.status-running{color:var(--run)}.status-pending{color:var(--pend)}
.tag{font-size:.75rem;padding:0 .35rem;border-radius:3px;border:1px solid currentColor}
.tag.paused,.banner.paused{color:var(--pause)}
.banner{padding:.6rem .8rem;border:1px solid var(--line);border-radius:6px;background:var(--card)}
.banner.notice{border-color:var(--ok)}
.error,.banner.error{color:var(--fail)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem;align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem}
.card h2{margin-top:0}
.narrow{max-width:420px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .8rem;margin:0}
dt{color:var(--muted)}dd{margin:0;word-break:break-word}
form label{display:block;margin:.5rem 0 .2rem;font-size:.9rem}
input,textarea,button{font:inherit;color:inherit}
input[type=text],input[type=search],input[type=password],input:not([type]),textarea{width:100%;padding:.45rem .5rem;border:1px solid var(--line);border-radius:5px;background:var(--bg)}
.filter{display:flex;gap:.5rem;align-items:center;margin-bottom:.5rem}.filter input{max-width:320px}
button{margin-top:.6rem;padding:.45rem .9rem;border:1px solid var(--line);border-radius:5px;background:var(--card);cursor:pointer;min-height:2.2rem}
button.primary{background:var(--link);border-color:var(--link);color:#fff}
button.danger{border-color:var(--fail);color:var(--fail)}
button.link{border:0;background:none;color:var(--link);padding:0;margin:0;min-height:0;text-decoration:underline}
form.inline{display:inline}
.inline-form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}.inline-form label{margin:0}.inline-form input{max-width:240px}
.actions{display:flex;flex-direction:column;gap:1rem}
ol.times{padding-left:1.4rem;margin:.3rem 0}
ul.env{list-style:none;padding:0;margin:0}
pre{white-space:pre-wrap;word-break:break-word;background:var(--code);padding:.6rem;border-radius:6px;overflow:auto}
pre.output{background:var(--out);color:var(--outfg);max-height:70vh;min-height:3rem;font-size:.85rem}
svg.spark rect.ok,svg.chart rect.ok{fill:var(--ok)}svg.spark rect.fail,svg.chart rect.fail{fill:var(--fail)}
svg.chart{max-width:100%;height:auto}svg.chart .axis{fill:var(--muted);font-size:10px}
meter{width:8rem}
.pager{margin:.6rem 0}
.a-bold{font-weight:700}.a-dim{opacity:.7}.a-italic{font-style:italic}.a-ul{text-decoration:underline}
.a-f0{color:#555}.a-f1{color:#e06c75}.a-f2{color:#98c379}.a-f3{color:#e5c07b}.a-f4{color:#61afef}.a-f5{color:#c678dd}.a-f6{color:#56b6c2}.a-f7{color:#dcdfe4}
.a-f8{color:#7f848e}.a-f9{color:#ff7b86}.a-f10{color:#b5e890}.a-f11{color:#ffd787}.a-f12{color:#7cc4ff}.a-f13{color:#de97f0}.a-f14{color:#6fd6e3}.a-f15{color:#fff}
.a-b0{background:#555}.a-b1{background:#e06c75}.a-b2{background:#98c379}.a-b3{background:#e5c07b}.a-b4{background:#61afef}.a-b5{background:#c678dd}.a-b6{background:#56b6c2}.a-b7{background:#dcdfe4}
.a-b8{background:#7f848e}.a-b9{background:#ff7b86}.a-b10{background:#b5e890}.a-b11{background:#ffd787}.a-b12{background:#7cc4ff}.a-b13{background:#de97f0}.a-b14{background:#6fd6e3}.a-b15{background:#fff}
@media (max-width:640px){main{padding:.6rem}th,td{padding:.3rem}header.top .account{margin-left:0;width:100%}.hide-phone{display:none}}
`;

export const CONSOLE_JS = `'use strict';
(function () {
  function human(s) {
    s = Math.max(0, s);
    if (s < 60) return Math.floor(s) + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min' + (s % 60 >= 1 ? ' ' + Math.floor(s % 60) + ' s' : '');
    var h = Math.floor(m / 60);
    if (h < 24) return h + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
    return Math.floor(h / 24) + ' d' + (h % 24 ? ' ' + (h % 24) + ' h' : '');
  }
  var UNITS = [[31536000, 'year'], [2592000, 'month'], [604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  function relative(t) {
    var d = Date.now() / 1000 - t, a = Math.abs(d);
    if (a < 5) return 'just now';
    for (var i = 0; i < UNITS.length; i++) {
      if (a >= UNITS[i][0]) {
        var n = Math.floor(a / UNITS[i][0]);
        var w = n + ' ' + UNITS[i][1] + (n === 1 ? '' : 's');
        return d >= 0 ? w + ' ago' : 'in ' + w;
      }
    }
    return 'just now';
  }
  function tick() {
    document.querySelectorAll('[data-since]').forEach(function (el) {
      el.textContent = human(Date.now() / 1000 - Number(el.getAttribute('data-since')));
    });
    document.querySelectorAll('time[data-rel]').forEach(function (el) {
      var t = Date.parse(el.getAttribute('datetime'));
      if (!isNaN(t)) el.textContent = relative(t / 1000);
    });
  }
  function applyFilter(input) {
    var table = document.querySelector(input.getAttribute('data-filter'));
    if (!table) return;
    var q = input.value.trim().toLowerCase();
    table.querySelectorAll('tbody tr').forEach(function (tr) {
      tr.hidden = q !== '' && (tr.getAttribute('data-job') || '').toLowerCase().indexOf(q) < 0;
    });
  }
  function wireFilter() {
    document.querySelectorAll('input[data-filter]').forEach(function (input) {
      input.addEventListener('input', function () { applyFilter(input); });
      applyFilter(input);
    });
  }
  // Live pages: fetch the page again when the scheduler reports something, and swap <main>.
  var dirty = false;
  document.addEventListener('input', function (e) {
    if (e.target.closest && e.target.closest('form[method=post]')) dirty = true;
  });
  document.addEventListener('submit', function () { dirty = false; });
  var refreshTimer = null;
  function refresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      var active = document.activeElement;
      if (dirty || (active && active.closest && active.closest('form[method=post]'))) { refresh(); return; }
      fetch(location.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'live' } }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (text) {
        if (text === null) return;
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var fresh = doc.getElementById('main');
        var main = document.getElementById('main');
        if (!fresh || !main) return;
        var filter = main.querySelector('input[data-filter]');
        var value = filter ? filter.value : null;
        var focused = filter && document.activeElement === filter;
        main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes).map(function (n) { return document.adoptNode(n); }));
        wireFilter();
        var nf = main.querySelector('input[data-filter]');
        if (nf && value !== null) { nf.value = value; applyFilter(nf); if (focused) nf.focus(); }
        tick();
      }).catch(function () { /* the next event tries again */ });
    }, 250);
  }
  function live() {
    var main = document.getElementById('main');
    if (!main || !main.hasAttribute('data-live') || !window.EventSource) return;
    var es = new EventSource('/api/v1/events');
    ['run_started', 'run_finished', 'trigger_accepted', 'reloaded', 'paused', 'resumed', 'run_cancelled'].forEach(function (ev) {
      es.addEventListener(ev, refresh);
    });
  }
  // Terminal colours (SGR) to spans; text is only ever set as textContent.
  function Ansi(target) { this.target = target; this.cls = []; }
  Ansi.prototype.sgr = function (params) {
    var ps = params === '' ? [0] : params.split(';').map(Number);
    for (var i = 0; i < ps.length; i++) {
      var p = ps[i];
      if (p === 0) this.cls = [];
      else if (p === 1) this.cls.push('a-bold');
      else if (p === 2) this.cls.push('a-dim');
      else if (p === 3) this.cls.push('a-italic');
      else if (p === 4) this.cls.push('a-ul');
      else if (p >= 30 && p <= 37) this.setFg('a-f' + (p - 30));
      else if (p >= 90 && p <= 97) this.setFg('a-f' + (p - 82));
      else if (p === 39) this.setFg(null);
      else if (p >= 40 && p <= 47) this.setBg('a-b' + (p - 40));
      else if (p >= 100 && p <= 107) this.setBg('a-b' + (p - 92));
      else if (p === 49) this.setBg(null);
      else if (p === 38 || p === 48) { i += ps[i + 1] === 5 ? 2 : 4; }
    }
  };
  Ansi.prototype.setFg = function (c) { this.cls = this.cls.filter(function (x) { return x.indexOf('a-f') !== 0; }); if (c) this.cls.push(c); };
  Ansi.prototype.setBg = function (c) { this.cls = this.cls.filter(function (x) { return x.indexOf('a-b') !== 0 || x === 'a-bold'; }); if (c) this.cls.push(c); };
  Ansi.prototype.text = function (t) {
    t = t.replace(/[\\x00-\\x08\\x0b-\\x1f\\x7f]/g, '');
    if (t === '') return;
    if (this.cls.length === 0) { this.target.appendChild(document.createTextNode(t)); return; }
    var span = document.createElement('span');
    span.className = this.cls.join(' ');
    span.textContent = t;
    this.target.appendChild(span);
  };
  Ansi.prototype.write = function (chunk) {
    var re = /\\x1b\\[([0-9;]*)([@-~])|\\x1b[^\\[]?/g, last = 0, m;
    chunk = chunk.replace(/\\r\\n/g, '\\n');
    while ((m = re.exec(chunk)) !== null) {
      this.text(chunk.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[2] === 'm') this.sgr(m[1]);
    }
    this.text(chunk.slice(last));
  };
  function follow() {
    var pre = document.getElementById('output');
    if (!pre) return;
    if (pre.getAttribute('data-pending') === '1') { setTimeout(function () { location.reload(); }, 1000); return; }
    var url = pre.getAttribute('data-follow');
    if (!url || !window.EventSource) return;
    var ansi = new Ansi(pre), started = false, state = document.getElementById('follow-state');
    var es = new EventSource(url);
    es.addEventListener('output', function (e) {
      if (!started) { started = true; pre.textContent = ''; }
      var pinned = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
      ansi.write(JSON.parse(e.data));
      if (pinned) pre.scrollTop = pre.scrollHeight;
    });
    es.addEventListener('end', function (e) {
      es.close();
      if (!started) pre.textContent = pre.textContent;
      var d = JSON.parse(e.data);
      var code = document.getElementById('exit-code');
      if (code) code.textContent = String(d.exit_code);
      var st = document.getElementById('run-status');
      if (st) st.textContent = d.status;
      var dur = document.querySelector('#duration [data-since]');
      if (dur) dur.removeAttribute('data-since');
      var cancel = document.getElementById('cancel-form');
      if (cancel) cancel.remove();
      if (state) state.textContent = 'Finished with exit code ' + d.exit_code + ' (' + d.status + ').';
    });
    es.addEventListener('open', function () { if (state && !started) state.textContent = 'Following the output…'; });
  }
  document.addEventListener('DOMContentLoaded', function () {
    tick();
    setInterval(tick, 1000);
    wireFilter();
    live();
    follow();
  });
})();
`;

/** The tab icon: a clock face. */
export const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0b57d0"/><path d="M8 3.5V8l3 2" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round"/></svg>';

/** Changes whenever the assets do, so browsers may cache them for long. */
export const ASSET_VERSION = createHash('sha256').update(CONSOLE_CSS).update(CONSOLE_JS).digest('hex').slice(0, 12);
