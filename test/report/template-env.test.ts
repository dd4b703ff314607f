import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, writeTree } from '../helpers/index.js';
import { PyDateTime, PyTimedelta } from '../../src/report/pytime.js';
import { TemplateError, loadTemplates } from '../../src/report/template-env.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function templateDir(files: Record<string, string>): string {
  const t = makeTempDir('dsari-tpl-');
  cleanups.push(t.cleanup);
  writeTree(t.path, files);
  return t.path;
}

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000;

describe('template environment', () => {
  it('Jinja2 idioms of the original templates work: strip_ms, datetime arithmetic, now, None', () => {
    const dir = templateDir({
      'index.html': [
        '{{ strip_ms(a) }}|{{ strip_ms(b - a) }}|{{ b - a }}|{{ a.strftime("%H:%M") }}|{{ now }}',
        '|{% if a != a2 %}differ{% else %}same{% endif %}|{% if a != missing.start_time %}danger{% endif %}',
        '|{% if x is none %}none{% endif %}|{{ None is none }}|{{ d.items() | length }}|{{ "abcdef"[1:3] }}',
        '|{{ a < b }}|{{ a.isoformat() }}|{{ (b - a).total_seconds() }}|{{ a == b }}|{{ 1 + 2 }}|{{ "x" ~ 1 }}',
      ].join(''),
    });
    const t = loadTemplates({ templateDir: dir, now: NOW });
    const a = new PyDateTime(NOW - 3600.5);
    const html = t.render('index.html', { a, a2: new PyDateTime(NOW - 3600.5), b: new PyDateTime(NOW), x: null, d: { k: 1, l: 2 } });
    expect(html).toBe(
      '2024-01-02 02:04:04+00:00|1:00:00|1:00:00.500000|02:04|2024-01-02 03:04:05+00:00' +
      '|same|danger|none|true|2|bc' +
      '|true|2024-01-02T02:04:04.500000+00:00|3600.5|false|3|x1',
    );
    expect(new PyTimedelta(1)).toBeInstanceOf(PyTimedelta);
  });

  it('scoping, loop variables and attribute lookups give what plain nunjucks gives (the fast paths change no result)', () => {
    const source = [
      '{% set x = 1 %}{% for i in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}',
      '{% set x = i %}{% set y = i %}{% endfor %}{{ x }}{{ y }}|{% for k, v in obj %}{{ k }}={{ v }};{% endfor %}',
      '|{% for a, b in pairs %}{{ a }}{{ b }}{% endfor %}|{% if true %}{% set x = 9 %}{% endif %}{{ x }}',
      '|{{ obj.a }}{{ obj.missing }}{{ obj.length }}{{ items.length }}{{ items.count(2) }}{{ obj.get("a") }}{{ obj.items() | length }}',
      '|{{ none_value.attr }}{{ nested.inner.deep }}{{ nested["inner"]["deep"] }}{{ items[1] }}{{ items[1:] | join }}',
      '|{% macro m(v) %}<{{ v }}>{% endmacro %}{{ m(obj.a) }}{% set cap %}{{ items | join(",") }}{% endset %}{{ cap }}',
    ].join('');
    const context = { items: [1, 2, 3], obj: { a: '<1>', b: 2 }, pairs: [['p', 'q'], ['r', 's']], none_value: null, nested: { inner: { deep: 'd&' } }, text: 'x' };
    const plain = execFileSync(process.execPath, ['-e', `
      const n = require('nunjucks'); n.installJinjaCompat();
      const env = new n.Environment(null, { autoescape: true });
      process.stdout.write(env.renderString(${JSON.stringify(source)}, ${JSON.stringify(context)}));`], { encoding: 'utf8' });
    expect(plain).toContain('|pqrs|'); // it rendered
    const t = loadTemplates({ templateDir: templateDir({ 'index.html': source }), now: NOW });
    expect(t.render('index.html', context)).toBe(plain);
  });

  it('autoescapes everything by default, and the ansi filter gives escaped coloured HTML', () => {
    const dir = templateDir({ 'index.html': '{{ v }}|{{ v | ansi }}|{{ o | tojson }}' });
    const t = loadTemplates({ templateDir: dir, now: NOW });
    expect(t.render('index.html', { v: '<script>\x1b[31m&', o: { s: '</script>' } })).toBe(
      '&lt;script&gt;\x1b[31m&amp;|&lt;script&gt;<span class="a-f1">&amp;</span>|{"s":"\\u003c/script\\u003e"}',
    );
  });

  it('templates not in template_dir come from the built-in set', () => {
    const dir = templateDir({ 'run.html': 'mine {{ run.id }}' });
    const t = loadTemplates({ templateDir: dir, now: NOW });
    expect(t.render('run.html', { run: { id: 'x' } })).toBe('mine x');
    expect(t.render('index.html', { jobs: [], runs: [], failed_runs: [], root: '' })).toContain('<!DOCTYPE html>');
  });

  it('a syntax error names the template file and line', () => {
    const dir = templateDir({ 'job.html': '<h1>\n{{ job.name }}\n{% for run in runs %}\n{{ run.id }\n' });
    let err: unknown;
    try {
      loadTemplates({ templateDir: dir, now: NOW });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    const te = err as TemplateError;
    expect(te.file).toBe(`${dir}/job.html`);
    expect(te.line).toBe(4);
    expect(te.message).toMatch(new RegExp(`^template ${dir}/job\\.html, line 4: .+`));
    expect(te.message).not.toContain('\n');
  });

  it('an error while rendering names the template too', () => {
    const dir = templateDir({ 'index.html': 'a\n{{ nosuchfunction() }}' });
    const t = loadTemplates({ templateDir: dir, now: NOW });
    expect(() => t.render('index.html', {})).toThrowError(new RegExp(`template ${dir}/index\\.html, line 2: `));
  });
});

describe('Python string methods', () => {
  it.each([
    ['{{ s.upper() }}', ' Ab c '.toUpperCase()],
    ['{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}', 'Ab c|Ab c | Ab c'],
    ['{{ "xxhixx".strip("x") }}', 'hi'],
    ['{{ s.startswith(" A") }}{{ s.endswith("x") }}', 'truefalse'],
    ['{{ (s ~ "\\n" ~ s).splitlines() | length }}', '2'],
    ['{{ "a.b.c".replace(".", "-") }}', 'a-b-c'],
    ['{{ s.split(" ") | length }}', '4'],
  ])('%s', (src, out) => {
    const dir = templateDir({ 'index.html': src });
    expect(loadTemplates({ templateDir: dir, now: NOW }).render('index.html', { s: ' Ab c ' })).toBe(out);
  });
});

describe('problems found before rendering', () => {
  function loadError(files: Record<string, string>): TemplateError {
    const dir = templateDir(files);
    try {
      loadTemplates({ templateDir: dir, now: NOW });
    } catch (e) {
      if (e instanceof TemplateError) return e;
      throw e;
    }
    throw new Error('expected a TemplateError');
  }

  it.each([
    [{ 'run.html': 'a\n{% if x %}\nunclosed\n' }, 'run.html', 3, /end of file/],
    [{ 'index.html': 'a\nb {{ x | nosuchfilter }}' }, 'index.html', 2, /unknown filter "nosuchfilter"/],
    [{ 'job.html': '\n\n{% extends "nope.html" %}' }, 'job.html', 3, /template "nope.html" not found/],
    [{ 'job.html': '{% include "part.html" %}', 'part.html': '\n{{ x | bad }}' }, 'part.html', 2, /unknown filter "bad"/],
  ])('%j', (files, file, line, message) => {
    const err = loadError(files);
    expect(err.file.endsWith(`/${file}`)).toBe(true);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('include ignore missing and known filters are fine', () => {
    const dir = templateDir({ 'job.html': '{% include "gone.html" ignore missing %}{{ x | upper | duration | ansi | safe }}' });
    expect(() => loadTemplates({ templateDir: dir, now: NOW })).not.toThrow();
  });
});

describe('errors in templates that pages include', () => {
  it('a syntax error in an included template names that template', () => {
    const dir = templateDir({ 'run.html': '{% include "part.html" %}', 'part.html': 'a\nb\n{{ oops }\n' });
    expect(() => loadTemplates({ templateDir: dir, now: NOW })).toThrowError(new RegExp(`^template ${dir}/part\\.html, line 3: `));
  });
});
