/**
 * The style and script inlined into the simulation page (html.ts). Plain ES5-level JavaScript
 * with no library: the page must open from a file, offline, on any phone.
 */

export const PAGE_STYLE = `
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:12px;color:#1d2329;background:#fff}
h1{font-size:1.3em;margin:0 0 4px}h2{font-size:1.1em;margin:18px 0 6px}header p{margin:0;color:#555}
.controls{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:10px 0 6px}
.controls button{font:inherit;min-width:40px;min-height:36px;border:1px solid #99a;border-radius:6px;background:#f4f5f8;cursor:pointer}
#range{color:#555;font-size:.9em}
#chart{width:100%;overflow:hidden;touch-action:pan-y;border:1px solid #dde;border-radius:6px}
#chart svg{display:block;user-select:none;-webkit-user-select:none}
#detail{min-height:2.8em;font-size:.9em;color:#333}
.run{fill:#3b7dd8}.run.failed{fill:#d8453b}.run.replaced{fill:#8a8f99}.run.merged{fill:#6b8fc0}
.wait{fill:url(#hatch);stroke:#c98a00;stroke-width:.5}
.use{fill:#7a5bc4}.use.full{fill:#4b2a9a}
.label{font-size:12px;fill:#1d2329}.group-label{font-size:12px;fill:#4b2a9a;font-weight:600}
.tick{stroke:#e3e5ea}.tick-label{font-size:11px;fill:#555}
.row-line{stroke:#f0f1f4}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.92em}
th,td{padding:4px 8px;border-bottom:1px solid #e3e5ea;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
small{color:#666}
code{background:#f1f2f6;padding:0 3px;border-radius:3px}
.warnings li{margin:3px 0}
@media (max-width:600px){body{padding:8px;font-size:13px}}
`;

export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var box = document.getElementById('chart');
  var detail = document.getElementById('detail');
  var rangeText = document.getElementById('range');
  var NS = 'http://www.w3.org/2000/svg';
  var ROW = 22, AXIS = 24, MERGE_ABOVE = 4000;
  var maxT = D.span;
  D.jobs.forEach(function (j) { for (var k = 2; k < j.r.length; k += 4) if (j.r[k] > maxT) maxT = j.r[k]; });
  var span = D.span > 0 ? D.span : 1;
  var v0 = 0, v1 = span;
  var fmtDay, fmtMin, fmtSec;
  try {
    fmtDay = new Intl.DateTimeFormat('en-GB', { timeZone: D.zone, weekday: 'short', day: '2-digit', month: 'short' });
    fmtMin = new Intl.DateTimeFormat('en-GB', { timeZone: D.zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    fmtSec = new Intl.DateTimeFormat('en-GB', { timeZone: D.zone, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  } catch (e) {
    fmtDay = fmtMin = fmtSec = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  function at(t) { return new Date((D.from + t) * 1000); }
  function when(t) { return fmtSec.format(at(t)) + (Math.abs(t - Math.round(t)) > 0.0005 ? '.' + String(Math.round((t - Math.floor(t)) * 1000)).padStart(3, '0') : ''); }
  function dur(s) {
    if (s < 1) return Math.round(s * 1000) + ' ms';
    if (s < 60) return (Math.round(s * 10) / 10) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.round((s % 86400) / 3600) + ' h';
  }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  var STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];
  function draw() {
    var W = Math.max(box.clientWidth, 260);
    var L = W < 600 ? 92 : 170;
    var CW = W - L - 6;
    var H = AXIS + (D.groups.length + D.jobs.length) * ROW + 4;
    var scale = CW / (v1 - v0);
    function x(t) { return L + (t - v0) * scale; }
    var svg = el('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H });
    var defs = el('defs', {}, svg);
    var pat = el('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, defs);
    el('rect', { width: 6, height: 6, fill: '#fff4d6' }, pat);
    el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#e0a100', 'stroke-width': 2.5 }, pat);
    var clip = el('clipPath', { id: 'plot' }, defs);
    el('rect', { x: L, y: 0, width: CW, height: H }, clip);
    var step = STEPS[STEPS.length - 1];
    for (var s = 0; s < STEPS.length; s++) if (STEPS[s] * scale >= 80) { step = STEPS[s]; break; }
    var axis = el('g', { class: 'axis' }, svg);
    for (var t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      var tx = x(t);
      el('line', { class: 'tick', x1: tx, y1: AXIS - 4, x2: tx, y2: H }, axis);
      var lab = el('text', { class: 'tick-label', x: tx + 2, y: 14 }, axis);
      lab.textContent = step >= 86400 ? fmtDay.format(at(t)) : step >= 60 ? fmtMin.format(at(t)) : when(t).replace(/^\\S+ /, '');
    }
    var plot = el('g', { 'clip-path': 'url(#plot)' }, svg);
    var labels = el('g', {}, svg);
    el('rect', { x: 0, y: AXIS, width: L - 2, height: H - AXIS, fill: '#fff' }, labels);
    var y = AXIS;
    D.groups.forEach(function (g, gi) {
      var row = el('g', { class: 'group-row', 'data-group': g.n }, plot);
      for (var k = 0; k < g.u.length; k += 3) {
        var a = g.u[k], b = g.u[k + 1], use = g.u[k + 2];
        if (b < v0 || a > v1) continue;
        el('rect', { class: use >= g.max ? 'use full' : 'use', x: x(a), y: y + 3, width: Math.max(1, (b - a) * scale), height: ROW - 6, 'fill-opacity': (0.25 + 0.75 * Math.min(1, use / g.max)).toFixed(2), 'data-g': gi, 'data-k': k }, row);
      }
      text(labels, 'group-label', g.n + ' (' + g.max + ')', y, L);
      y += ROW;
    });
    var visible = 0;
    D.jobs.forEach(function (j) { for (var k = 0; k < j.r.length; k += 4) if (j.r[k + 2] >= v0 && j.r[k + 1] <= v1) visible++; });
    var merge = visible > MERGE_ABOVE;
    D.jobs.forEach(function (j, ji) {
      var runs = 0;
      for (var k = 0; k < j.r.length; k += 4) if (j.r[k + 1] >= 0) runs++;
      var row = el('g', { class: 'row', 'data-job': j.n, 'data-runs': runs }, plot);
      el('line', { class: 'row-line', x1: L, x2: W, y1: y + ROW - 0.5, y2: y + ROW - 0.5 }, row);
      var last = null;
      // Waits first: a run's wait overlaps its job's previous run, whose bar stays on top.
      var lastWait = null;
      for (k = 0; k < j.r.length; k += 4) {
        var sch = j.r[k], waitEnd = j.r[k + 1] < 0 ? maxT : j.r[k + 1];
        if (!(waitEnd > sch && waitEnd >= v0 && sch <= v1)) continue;
        var wx = x(sch), ww = Math.max(1, (waitEnd - sch) * scale);
        if (merge && lastWait !== null && wx <= lastWait.end + 1) {
          lastWait.end = Math.max(lastWait.end, wx + ww);
          lastWait.rect.setAttribute('width', lastWait.end - lastWait.x);
          continue;
        }
        lastWait = { rect: el('rect', { class: 'wait', x: wx, y: y + 5, width: ww, height: ROW - 10, 'data-j': ji, 'data-k': k }, row), x: wx, end: wx + ww };
      }
      for (k = 0; k < j.r.length; k += 4) {
        var a = j.r[k + 1], b = j.r[k + 2], failed = j.r[k + 3];
        if (a < 0 || b < v0 || a > v1) continue;
        var bx = x(a), bw = Math.max(1, (b - a) * scale);
        if (merge && last !== null && bx <= last.end + 1) {
          last.end = Math.max(last.end, bx + bw);
          last.rect.setAttribute('width', last.end - last.x);
          last.rect.setAttribute('class', 'run merged');
          continue;
        }
        var r = el('rect', { class: failed === 3 ? 'run replaced' : failed ? 'run failed' : 'run', x: bx, y: y + 3, width: bw, height: ROW - 6, rx: bw > 4 ? 2 : 0, 'data-j': ji, 'data-k': k }, row);
        last = { rect: r, x: bx, end: bx + bw };
      }
      text(labels, 'label', j.n, y, L);
      y += ROW;
    });
    box.replaceChildren(svg);
    rangeText.textContent = when(v0) + ' – ' + when(v1);
  }
  function text(parent, cls, s, y, L) {
    var max = Math.floor((L - 10) / 6.6);
    var t = el('text', { class: cls, x: 4, y: y + ROW / 2 + 4 }, parent);
    t.textContent = s.length > max ? s.slice(0, max - 1) + '…' : s;
    var title = el('title', {}, t);
    title.textContent = s;
  }
  function zoom(factor, centre) {
    var c = centre === undefined ? (v0 + v1) / 2 : centre;
    var width = Math.min(Math.max((v1 - v0) * factor, Math.max(0.5, span / 1e6)), Math.max(maxT, span) * 1.02);
    v0 = c - (c - v0) * (width / (v1 - v0));
    v1 = v0 + width;
    clamp();
    draw();
  }
  function clamp() {
    var lo = 0, hi = Math.max(maxT, span), w = v1 - v0;
    if (v0 < lo) { v0 = lo; v1 = lo + w; }
    if (v1 > hi) { v1 = hi; v0 = Math.max(lo, hi - w); }
  }
  function timeAt(clientX) {
    var rect = box.getBoundingClientRect();
    var W = Math.max(box.clientWidth, 260), L = W < 600 ? 92 : 170;
    return v0 + ((clientX - rect.left - L) / (W - L - 6)) * (v1 - v0);
  }
  document.getElementById('zoom-in').onclick = function () { zoom(0.5); };
  document.getElementById('zoom-out').onclick = function () { zoom(2); };
  document.getElementById('zoom-reset').onclick = function () { v0 = 0; v1 = span; draw(); };
  box.addEventListener('wheel', function (e) { e.preventDefault(); zoom(e.deltaY < 0 ? 0.8 : 1.25, timeAt(e.clientX)); }, { passive: false });
  var drag = null;
  box.addEventListener('pointerdown', function (e) { drag = { x: e.clientX, v0: v0, v1: v1, moved: false }; });
  window.addEventListener('pointerup', function () { drag = null; });
  box.addEventListener('pointermove', function (e) {
    if (drag === null) return;
    var W = Math.max(box.clientWidth, 260), L = W < 600 ? 92 : 170;
    var dt = ((e.clientX - drag.x) / (W - L - 6)) * (drag.v1 - drag.v0);
    if (Math.abs(e.clientX - drag.x) < 3 && !drag.moved) return;
    drag.moved = true;
    v0 = drag.v0 - dt; v1 = drag.v1 - dt;
    clamp();
    draw();
  });
  function show(e) {
    var t = e.target;
    if (!t || !t.getAttribute) return;
    var ji = t.getAttribute('data-j'), gi = t.getAttribute('data-g'), k = Number(t.getAttribute('data-k'));
    if (ji !== null) {
      var j = D.jobs[Number(ji)], r = j.r;
      var sch = r[k], a = r[k + 1], b = r[k + 2];
      detail.textContent = j.n + ': scheduled ' + when(sch) + (a < 0 ? ', still waiting at the end of the window' : ', started ' + when(a) + (a > sch ? ' after waiting ' + dur(a - sch) : '') + ', ended ' + when(b) + ' (' + dur(b - a) + ')' + ['', ', failed', ', ended by max_execution', ', ended by overlap: replace'][r[k + 3]]);
    } else if (gi !== null) {
      var g = D.groups[Number(gi)];
      detail.textContent = 'group ' + g.n + ': ' + g.u[k + 2] + ' of ' + g.max + ' slots in use from ' + when(g.u[k]) + ' to ' + when(g.u[k + 1]);
    }
  }
  box.addEventListener('mouseover', show);
  box.addEventListener('click', show);
  window.addEventListener('resize', draw);
  draw();
})();
`;
