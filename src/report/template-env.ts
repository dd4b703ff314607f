/**
 * The template environment: nunjucks (Jinja2-like) with autoescape on, `template_dir` searched
 * before the built-in templates, and the helpers templates written for the original dsari use
 * (`now`, `strip_ms`, Python-like datetime arithmetic, `True`/`False`/`None`, slicing, dict
 * methods). Templates are compiled up front so that a syntax error is reported with its file and
 * line before any page is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { DsariError } from '../errors.js';
import { ansiToHtml, escapeHtml } from './ansi.js';
import { absoluteTime, humanDuration, isoAndAbsoluteTime, isoTime, relativeTime } from './humanize.js';
import { PyDateTime, PyTimedelta, pyAdd, pyEquals, pySub, stripMs } from './pytime.js';

/** The names of the page templates, as in the original. */
export const TEMPLATE_NAMES = ['index.html', 'job.html', 'run.html'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** A template that does not compile or fails while rendering. */
export class TemplateError extends DsariError {
  readonly file: string;
  readonly line: number | undefined;
  constructor(message: string, file: string, line: number | undefined, options: { cause?: unknown } = {}) {
    super('E_TEMPLATE', message, options);
    this.file = file;
    this.line = line;
  }
}

/** Directory of the built-in templates (`templates/` at the package root). */
export function builtinTemplateDir(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

// The operator hooks below are installed once per process into nunjucks' compiler; they only
// change results when an operand is a PyDateTime/PyTimedelta, so plain templates behave as before.
interface CompilerProto {
  compile(node: unknown, frame: unknown): void;
  _emit(code: string): void;
  compileSub(node: { left: unknown; right: unknown }, frame: unknown): void;
  compileAdd(node: { left: unknown; right: unknown }, frame: unknown): void;
  compileCompare(node: { expr: unknown; ops: Array<{ type: string; expr: unknown }> }, frame: unknown): void;
  compileRoot(node: unknown, frame: unknown): void;
  compileOutput(node: { children: unknown[] }, frame: unknown): void;
  templateName?: string;
}
/** nunjucks' Frame (variables of a scope), as its runtime defines it. */
interface FrameProto {
  variables: Record<string, unknown>;
  set(name: string, val: unknown, resolveUp?: boolean): void;
  resolve(name: string, forWrite: boolean): FrameProto | undefined;
}
/** Names the Jinja compat layer answers with Python list/dict methods (nunjucks 3.2). */
const COMPAT_MEMBERS = new Set([
  'pop', 'append', 'remove', 'count', 'index', 'find', 'insert',
  'items', 'iteritems', 'values', 'itervalues', 'keys', 'iterkeys', 'get', 'popitem', 'setdefault', 'update',
]);
/**
 * A character beyond Latin-1 in a built-in template's text (the '–' of the page titles) stands as
 * `\x01&#x2013;\x01` while its page is built, and {@link PageTemplates.page} gives the character
 * as a piece of its own in place of the mark: the file is byte for byte what it was without.
 * Why: V8 keeps a string at one byte a character only while every character is Latin-1, so one
 * '–' in a title made the whole page (1.6 MB for a job of 4,000 runs) two bytes a character when
 * it was flattened to be written: 3.3 MB copied into new memory per page, then encoded (an eighth
 * of an incremental render; docs/BENCHMARKS.md). Escaped data cannot hold a mark ('&' becomes
 * `&amp;`), and templates in `template_dir` are compiled as they are.
 */
const wideMark = (c: string): string => `\x01&#x${(c.codePointAt(0) as number).toString(16)};\x01`;
// eslint-disable-next-line no-control-regex -- the mark is made of \x01 on purpose: no text holds it
const WIDE_MARK_RE = /\x01&#x([0-9a-f]{1,6});\x01/g;
const WIDE_MARK_START = '\x01&#x';

/** The character a mark's hex digits stand for (null: not one). */
function markedChar(hex: string): string | null {
  const code = parseInt(hex, 16);
  return /^[0-9a-f]{1,6}$/.test(hex) && code <= 0x10ffff ? String.fromCodePoint(code) : null;
}

/** The text of a page with its marks as the characters they stand for. */
function unmarkText(html: string): string {
  return html.includes(WIDE_MARK_START) ? html.replace(WIDE_MARK_RE, (mark, hex: string) => markedChar(hex) ?? mark) : html;
}

/**
 * A page as pieces to write one after the other: slices of the text between marks (they share the
 * one-byte text) and the characters the marks stand for.
 */
function unmarkPieces(html: string): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (let i = html.indexOf(WIDE_MARK_START); i !== -1; i = html.indexOf(WIDE_MARK_START, i + 1)) {
    const end = html.indexOf(';\x01', i);
    const char = end === -1 || end - i > 12 ? null : markedChar(html.slice(i + WIDE_MARK_START.length, end));
    if (char === null) continue;
    pieces.push(html.slice(from, i), char);
    from = end + 2;
    i = end;
  }
  pieces.push(from === 0 ? html : html.slice(from));
  return pieces;
}
let hooksInstalled = false;
/** Sees the syntax tree of every template nunjucks compiles (set while templates load). */
let rootObserver: ((templatePath: string, root: AstNode) => void) | null = null;

const strip = (s: string, chars: unknown, re: (c: string) => RegExp): string =>
  typeof chars === 'string' && chars !== ''
    ? s.replace(re(`[${chars.replace(/[\]\\^-]/g, '\\$&')}]+`), '')
    : s.replace(re('\\s+'), '');
const STRING_METHODS: Record<string, (this: string, ...args: unknown[]) => unknown> = Object.assign(Object.create(null) as object, {
  upper(this: string) { return this.toUpperCase(); },
  lower(this: string) { return this.toLowerCase(); },
  strip(this: string, chars?: unknown) { return strip(strip(this, chars, (p) => new RegExp(`^${p}`)), chars, (p) => new RegExp(`${p}$`)); },
  lstrip(this: string, chars?: unknown) { return strip(this, chars, (p) => new RegExp(`^${p}`)); },
  rstrip(this: string, chars?: unknown) { return strip(this, chars, (p) => new RegExp(`${p}$`)); },
  startswith(this: string, prefix: unknown) { return this.startsWith(String(prefix)); },
  endswith(this: string, suffix: unknown) { return this.endsWith(String(suffix)); },
  splitlines(this: string) { return this.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== ''); },
  replace(this: string, a: unknown, b: unknown) { return this.split(String(a)).join(String(b)); },
  capitalize(this: string) { return this.charAt(0).toUpperCase() + this.slice(1).toLowerCase(); },
});

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  nunjucks.installJinjaCompat();
  // nunjucks does not type its compiler and runtime modules; these are their documented shapes.
  const internals = nunjucks as unknown as {
    compiler: { Compiler: { prototype: CompilerProto } };
    runtime: Record<string, unknown>;
  };
  const runtime = internals.runtime;
  // Python string methods templates may call, and `"text"[a:b]` giving a string (the compat
  // layer slices strings into arrays of characters).
  const compatLookup = runtime['memberLookup'] as (this: unknown, ...args: unknown[]) => unknown;
  runtime['memberLookup'] = function (this: unknown, obj: unknown, val: unknown): unknown {
    // `run.id` on an object, the common case (every attribute of every row): what the compat
    // layer and nunjucks would answer, without their argument copies and type checks.
    if (arguments.length === 2 && typeof obj === 'object' && obj !== null && typeof val === 'string' && !COMPAT_MEMBERS.has(val)) {
      const v = (obj as Record<string, unknown>)[val];
      if (typeof v !== 'function') return v;
    }
    // eslint-disable-next-line prefer-rest-params -- passed on exactly as called (2 or 4 arguments)
    const args = Array.prototype.slice.call(arguments) as unknown[];
    if (typeof obj === 'string') {
      if (args.length === 4) {
        const sliced = compatLookup.apply(this, args);
        return Array.isArray(sliced) ? sliced.join('') : sliced;
      }
      const method = typeof val === 'string' ? STRING_METHODS[val] : undefined;
      if (method !== undefined) return method.bind(obj);
    }
    return compatLookup.apply(this, args);
  };
  // Assigning a dotted name (`loop.index`) splits it on every call: seven times per loop
  // iteration. Same result, with the parts of each name split once and plain names set directly.
  const frameProto = (runtime['Frame'] as { prototype: FrameProto }).prototype;
  const splitNames = new Map<string, readonly string[]>();
  frameProto.set = function (this: FrameProto, name: string, val: unknown, resolveUp?: boolean): void {
    if (!resolveUp && !name.includes('.')) {
      this.variables[name] = val;
      return;
    }
    let parts = splitNames.get(name);
    if (parts === undefined) {
      parts = name.split('.');
      if (splitNames.size < 10_000) splitNames.set(name, parts);
    }
    if (resolveUp) {
      const frame = this.resolve(parts[0] as string, true);
      if (frame) {
        frame.set(name, val);
        return;
      }
    }
    let obj = this.variables;
    for (let i = 0; i < parts.length - 1; i++) {
      const id = parts[i] as string;
      if (!obj[id]) obj[id] = {};
      obj = obj[id] as Record<string, unknown>;
    }
    obj[parts[parts.length - 1] as string] = val;
  };
  runtime['dsariSub'] = pySub;
  runtime['dsariAdd'] = pyAdd;
  runtime['dsariEquals'] = pyEquals;
  const proto = internals.compiler.Compiler.prototype;
  const origCompare = proto.compileCompare;
  const origRoot = proto.compileRoot;
  proto.compileRoot = function (this: CompilerProto, node, frame): void {
    if (rootObserver !== null && typeof this.templateName === 'string') rootObserver(this.templateName, node as AstNode);
    origRoot.call(this, node, frame);
  };
  const binary = (fn: string) =>
    function (this: CompilerProto, node: { left: unknown; right: unknown }, frame: unknown): void {
      this._emit(`runtime.${fn}(`);
      this.compile(node.left, frame);
      this._emit(', ');
      this.compile(node.right, frame);
      this._emit(')');
    };
  // The built-in templates' text beyond Latin-1 is compiled as marks (see wideMark).
  const origOutput = proto.compileOutput;
  const templateData = (nunjucks as unknown as { nodes: { TemplateData: new () => { value: unknown } } }).nodes.TemplateData;
  const builtinDir = builtinTemplateDir();
  proto.compileOutput = function (this: CompilerProto, node, frame): void {
    if (typeof this.templateName === 'string' && this.templateName.startsWith(builtinDir)) {
      for (const child of node.children) {
        if (child instanceof templateData && typeof child.value === 'string') child.value = child.value.replace(/[^\0-\xff]/gu, wideMark);
      }
    }
    origOutput.call(this, node, frame);
  };
  proto.compileSub = binary('dsariSub');
  proto.compileAdd = binary('dsariAdd');
  proto.compileCompare = function (this: CompilerProto, node, frame): void {
    const op = node.ops[0];
    if (node.ops.length === 1 && op !== undefined && ['==', '!=', '===', '!=='].includes(op.type)) {
      this._emit('runtime.dsariEquals(');
      this.compile(node.expr, frame);
      this._emit(`, ${JSON.stringify(op.type)}, `);
      this.compile(op.expr, frame);
      this._emit(')');
      return;
    }
    origCompare.call(this, node, frame);
  };
}

function epochOf(value: unknown): number | null {
  if (value instanceof PyDateTime) return value.epoch;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

function secondsOf(value: unknown): number | null {
  if (value instanceof PyTimedelta) return value.total_seconds();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

export interface TemplateEnvOptions {
  /** `template_dir` from the configuration; searched first. */
  templateDir: string | null;
  /** The render time (the `now` global). */
  now: number;
}

/** A compiled set of page templates. */
export interface PageTemplates {
  render(name: TemplateName, context: Record<string, unknown>): string;
  /** The page as `render` gives it, as pieces to write one after the other (see WIDE_MARK_RE). */
  page(name: TemplateName, context: Record<string, unknown>): string[];
}

/** Where a template name resolves to (for error messages). */
function templatePath(dirs: readonly string[], name: string): string {
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return name;
}

function lineOf(err: unknown): number | undefined {
  const e = err as { lineno?: unknown; message?: unknown };
  if (typeof e.lineno === 'number' && e.lineno > 0) return e.lineno;
  const m = /\[Line (\d+)/.exec(String(e.message ?? ''));
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function cleanMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // nunjucks prefixes "(path) [Line n, Column m]" and an indented reason; keep the reason.
  const lines = msg.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const reason = lines.filter((l) => !/^\(.*\)( \[Line \d+(, Column \d+)?\])?$/.test(l) && l !== 'Template render error:');
  return (reason.length ? reason : lines)
    .join(': ')
    .replace(/^Template render error: /, '')
    .replace(/^\(.*?\) (\[Line \d+(, Column \d+)?\] )?/, '')
    .replace(/^(Error|TypeError|SyntaxError): /, '');
}

/** Line count of a file, for errors nunjucks reports at the end of the file without a line. */
function lastLine(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return text.replace(/\n$/, '').split('\n').length;
  } catch {
    // Not a file we can read (a name that did not resolve): no line to give.
    return undefined;
  }
}

interface AstNode {
  lineno: number;
  findAll(type: unknown, results?: AstNode[]): AstNode[];
  name?: { value?: unknown };
  template?: { value?: unknown };
}

/**
 * Fails early on what nunjucks would only notice while rendering: unknown filters, and templates
 * that `extends`/`include`/`import` name but that do not exist (those that exist are compiled
 * now, and checked the same way). Works on the syntax tree nunjucks built while compiling.
 * @throws TemplateError naming the file and line
 */
function checkReferences(env: nunjucks.Environment, path: string, root: AstNode, compileRef: (name: string) => void): void {
  // The node classes are nunjucks internals without type declarations.
  const nodeTypes = (nunjucks as unknown as { nodes: Record<string, unknown> }).nodes;
  const fail = (node: AstNode, what: string): never => {
    throw new TemplateError(`template ${path}, line ${node.lineno + 1}: ${what}`, path, node.lineno + 1);
  };
  for (const f of root.findAll(nodeTypes['Filter'])) {
    const fname = f.name?.value;
    if (typeof fname !== 'string') continue;
    try {
      env.getFilter(fname);
    } catch {
      fail(f, `unknown filter "${fname}"`);
    }
  }
  for (const type of ['Extends', 'Include', 'Import', 'FromImport']) {
    for (const ref of root.findAll(nodeTypes[type])) {
      const target = ref.template?.value;
      if (typeof target !== 'string') continue;
      try {
        compileRef(target);
      } catch (err) {
        if (err instanceof TemplateError) throw err;
        const missing = /template not found/i.test(err instanceof Error ? err.message : String(err));
        if (!missing) throw err;
        if (type === 'Include' && (ref as { ignoreMissing?: boolean }).ignoreMissing) continue;
        fail(ref, `template "${target}" not found`);
      }
    }
  }
}

/** A TemplateError for a nunjucks compile error in `file`. */
function compileError(err: unknown, file: string): TemplateError {
  const message = cleanMessage(err);
  const line = lineOf(err) ?? (/end of file/.test(message) ? lastLine(file) : undefined);
  return new TemplateError(`template ${file}${line === undefined ? '' : `, line ${line}`}: ${message}`, file, line, {
    cause: err,
  });
}

/** nunjucks' own output step of `{{ … }}` (null → '', escaped unless safe). */
const suppressValue = (nunjucks.runtime as unknown as { suppressValue(value: unknown, autoescape: boolean): unknown }).suppressValue;

/** What a `{{ … }}` of an autoescaping template outputs for a value. */
function out(value: unknown): string {
  return String(suppressValue(value, true));
}

interface RowHelpers {
  /** nunjucks' own `urlencode` filter (for a string: encodeURIComponent). */
  urlencode(v: unknown): unknown;
  when(t: unknown): unknown;
  outcome(run: { running?: unknown; failed?: unknown; exit_code?: unknown } | undefined): unknown;
  duration(v: unknown): unknown;
}

/**
 * The rows of the built-in job page's run table, exactly as this loop of the template made them
 * (test/report/run-rows.test.ts compares the two on generated runs):
 *
 *     {% for run in runs %}
 *     <tr{% if run.failed %} class="fail"{% endif %}><td><a href="{{ run.id | urlencode }}/">{{ when(run.stop_time) }}</a></td>…</tr>
 *     {% endfor %}
 *
 * In JavaScript because it runs for every run of the job (4,000 on a busy one): as a loop of the
 * template it was a quarter of an incremental render (docs/BENCHMARKS.md).
 */
function runRows(runs: unknown, h: RowHelpers): string {
  const list: unknown[] = Array.isArray(runs) ? runs : runs !== null && typeof runs === 'object' && Symbol.iterator in runs ? Array.from(runs as Iterable<unknown>) : [];
  let html = '';
  for (const item of list) {
    const run = (item ?? {}) as { id?: unknown; failed?: unknown; stop_time?: unknown; duration?: unknown; display_trigger_type?: unknown; running?: unknown; exit_code?: unknown };
    const href = out(typeof run.id === 'string' ? encodeURIComponent(run.id) : h.urlencode(run.id));
    html += `\n<tr${run.failed ? ' class="fail"' : ''}><td><a href="${href}/">${out(h.when(run.stop_time))}</a></td><td class="num">${out(h.duration(run.duration))}</td><td class="num">${out(h.outcome(item as Parameters<RowHelpers['outcome']>[0]))}</td><td class="opt">${out(run.display_trigger_type)}</td><td class="opt mono"><a href="${href}/">${out(run.id)}</a></td></tr>\n`;
  }
  return html;
}

/**
 * Builds the environment and compiles the three page templates.
 * @throws TemplateError naming the template file and line of a syntax error
 */
export function loadTemplates(options: TemplateEnvOptions): PageTemplates {
  installHooks();
  const dirs = [...(options.templateDir ? [resolve(options.templateDir)] : []), builtinTemplateDir()];
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dirs, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  const now = new PyDateTime(options.now);
  env.addGlobal('now', now);
  env.addGlobal('strip_ms', stripMs);
  env.addFilter('strip_ms', stripMs);
  const duration = (v: unknown): string => humanDuration(secondsOf(v));
  env.addFilter('duration', duration);
  env.addFilter('ago', (v: unknown) => relativeTime(epochOf(v), options.now));
  env.addFilter('datetime', (v: unknown) => absoluteTime(epochOf(v)));
  env.addFilter('isotime', (v: unknown) => isoTime(epochOf(v)));
  env.addFilter('ansi', (v: unknown) => new nunjucks.runtime.SafeString(ansiToHtml(v === null || v === undefined ? '' : String(v))));
  env.addFilter('tojson', (v: unknown, indent?: unknown) => new nunjucks.runtime.SafeString(
    JSON.stringify(v, null, typeof indent === 'number' ? indent : undefined)
      .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027'),
  ));
  // Helpers of the built-in templates (JavaScript rather than macros: they run for every row).
  const safe = (html: string): nunjucks.runtime.SafeString => new nunjucks.runtime.SafeString(html);
  const when = (t: unknown): nunjucks.runtime.SafeString | '' => {
    const epoch = epochOf(t);
    if (epoch === null) return '';
    const [iso, absolute] = isoAndAbsoluteTime(epoch);
    return safe(`<time datetime="${iso}" title="${absolute}">${relativeTime(epoch, options.now)}</time>`);
  };
  env.addGlobal('when', when);
  const outcome = (run: { running?: unknown; failed?: unknown; exit_code?: unknown } | undefined): nunjucks.runtime.SafeString | '' => {
    if (run === undefined || run === null) return '';
    if (run.running === true) return safe('<span class="badge running">running</span>');
    const code = escapeHtml(String(run.exit_code));
    if (run.failed === true) return safe(`<span class="badge fail" title="exit code ${code}">${code}</span>`);
    return safe('<span class="badge ok" title="exit code 0">0</span>');
  };
  env.addGlobal('outcome', outcome);
  const urlencode = env.getFilter('urlencode') as (v: unknown) => unknown;
  env.addGlobal('run_rows', (runs: unknown) => safe(runRows(runs, { when, outcome, duration, urlencode })));
  // addTest exists at runtime but is missing from @types/nunjucks.
  (env as unknown as { addTest(name: string, fn: (v: unknown) => boolean): void }).addTest(
    'none',
    (v: unknown) => v === null || v === undefined,
  );

  const compiled = new Map<TemplateName, nunjucks.Template>();
  const trees: Array<[string, AstNode]> = [];
  const seen = new Set<string>();
  const compileRef = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    rootObserver = (path, root) => trees.push([path, root]);
    try {
      env.getTemplate(name, true);
    } catch (err) {
      if (/template not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
      throw compileError(err, templatePath(dirs, name));
    } finally {
      rootObserver = null;
    }
    // Check what this compile produced (the template itself), then what it refers to.
    for (let t = trees.shift(); t !== undefined; t = trees.shift()) checkReferences(env, t[0], t[1], compileRef);
  };
  for (const name of TEMPLATE_NAMES) {
    try {
      compileRef(name);
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      throw compileError(err, templatePath(dirs, name));
    }
    compiled.set(name, env.getTemplate(name));
  }
  const renderMarked = (name: TemplateName, context: Record<string, unknown>): string => {
    const tmpl = compiled.get(name);
    if (tmpl === undefined) throw new TemplateError(`template ${name} is not loaded`, name, undefined);
    try {
      return tmpl.render(context);
    } catch (err) {
      const file = templatePath(dirs, name);
      // Runtime errors carry the parser's 0-based line (syntax errors are reported 1-based).
      const raw = lineOf(err);
      const line = raw === undefined ? undefined : raw + 1;
      throw new TemplateError(
        `template ${file}${line === undefined ? '' : `, line ${line}`}: ${cleanMessage(err)}`,
        file,
        line,
        { cause: err },
      );
    }
  };
  return {
    render: (name, context) => unmarkText(renderMarked(name, context)),
    page: (name, context) => unmarkPieces(renderMarked(name, context)),
  };
}
