/**
 * The manual pages (SPEC-BEYOND §16): one per command, listed in package.json's `man`, rendered
 * by man and groff without a warning, and saying everything the real `--help` of each command
 * and subcommand says (the test that fails when they drift).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST_CLI, makeTempDir, ROOT } from '../helpers/index.js';

const MAN_DIR = join(ROOT, 'man');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man: string[]; files: string[]; bin: Record<string, string> };

function run(cmd: string, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `--help` of a built program, e.g. help('dsari', ['info', 'job', 'list']). */
function help(bin: string, words: string[]): string {
  const r = run(process.execPath, [join(DIST_CLI, `${bin}.js`), ...words, '--help'], { COLUMNS: '80' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

interface ParsedHelp {
  description: string;
  items: Array<{ section: string; term: string; description: string }>;
  /** Lines of the text after the generated part (addHelpText). */
  notes: string[];
}

const SECTIONS = new Set(['Arguments:', 'Options:', 'Commands:']);

/** Reads commander's help layout back: sections of `  TERM  DESCRIPTION` items, wrapped. */
function parseHelp(text: string): ParsedHelp {
  const lines = text.replace(/\n+$/, '').split('\n');
  const out: ParsedHelp = { description: '', items: [], notes: [] };
  let i = 1;
  while (i < lines.length && lines[i] === '') i++;
  const desc: string[] = [];
  while (i < lines.length && lines[i] !== '' && !SECTIONS.has(lines[i] as string)) desc.push(lines[i++] as string);
  out.description = desc.join(' ');
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (SECTIONS.has(line)) {
      const section = line;
      for (i++; i < lines.length && lines[i] !== ''; i++) {
        const l = lines[i] as string;
        const m = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(l);
        if (m !== null) out.items.push({ section, term: m[1] as string, description: m[2] ?? '' });
        else {
          const last = out.items.at(-1);
          if (last !== undefined) last.description = `${last.description} ${l.trim()}`.trim();
        }
      }
    } else if (line.trim() !== '') {
      out.notes.push(line.trim());
    }
  }
  return out;
}

const renderedPages = new Map<string, string>();

/** What man shows, white space left out (see flat). */
function rendered(page: string): string {
  const known = renderedPages.get(page);
  if (known !== undefined) return known;
  const r = run('man', ['-l', join(MAN_DIR, page)], { MANWIDTH: '200', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' });
  expect(r.status, r.stderr).toBe(0);
  renderedPages.set(page, flat(r.stdout));
  return flat(r.stdout);
}

/**
 * Text without its white space: man breaks lines where --help does not (and a very long word
 * at the break points the page gives it), so only the characters, in order, are compared.
 */
function flat(text: string): string {
  return text.replace(/\s+/g, '');
}

/** Every command path of `dsari`, read from the real help output. */
function commandPaths(words: string[] = []): string[][] {
  const parsed = parseHelp(help('dsari', words));
  const subs = parsed.items.filter((it) => it.section === 'Commands:').map((it) => (it.term.split(' ')[0] as string)).filter((n) => n !== 'help');
  return [words, ...subs.flatMap((s) => commandPaths([...words, s]))];
}

let paths: string[][] = [];
beforeAll(() => {
  paths = commandPaths();
});

describe('manual pages', () => {
  it('there is one per command of dsari, each listed in package.json "man", and "man" is in "files"', () => {
    const top = paths.filter((p) => p.length === 1).map((p) => `dsari-${p[0]}.1`);
    const expected = ['dsari.1', ...top].sort();
    expect(readdirSync(MAN_DIR).filter((f) => f.endsWith('.1')).sort()).toEqual(expected);
    expect(pkg.man.map((m) => m.replace(/^\.\/man\//, '')).sort()).toEqual(expected);
    expect(pkg.files).toContain('man');
    // Every program of its own has its page.
    for (const bin of Object.keys(pkg.bin)) expect(expected).toContain(`${bin}.1`);
  });

  it('are what the built program generates now (a stale man/ fails)', () => {
    const tmp = makeTempDir('dsari-man-');
    try {
      const r = run(process.execPath, [join(DIST_CLI, 'dsari.js'), 'manpages', '--out', tmp.path]);
      expect(r.status, r.stderr).toBe(0);
      for (const f of readdirSync(MAN_DIR)) expect(readFileSync(join(tmp.path, f), 'utf8'), f).toBe(readFileSync(join(MAN_DIR, f), 'utf8'));
    } finally {
      tmp.cleanup();
    }
  });

  it('render with groff -man -ww and with man without a single warning', () => {
    for (const page of readdirSync(MAN_DIR)) {
      const g = run('groff', ['-man', '-ww', '-z', '-Tutf8', join(MAN_DIR, page)]);
      expect(g.stderr, page).toBe('');
      expect(g.status, page).toBe(0);
      const m = run('man', ['--warnings=w', '-l', join(MAN_DIR, page)], { MANWIDTH: '80', LC_ALL: 'C.UTF-8' });
      expect(m.stderr, page).toBe('');
      expect(m.stdout, page).toContain('SYNOPSIS');
    }
  });

  it('say everything `--help` says, for every command and subcommand', () => {
    let checked = 0;
    for (const words of paths) {
      const page = words.length === 0 ? 'dsari.1' : `dsari-${words[0]}.1`;
      const text = rendered(page);
      const parsed = parseHelp(help('dsari', words));
      const where = `dsari ${words.join(' ')} --help vs ${page}`;
      expect(text, where).toContain(flat(parsed.description));
      for (const item of parsed.items) {
        if (item.section === 'Commands:' && item.term.startsWith('help ')) continue;
        // A command's term is on dsari(1); on its own page the subcommands have their sections.
        if (item.section === 'Commands:' && words.length > 0) {
          expect(text, `${where}: command ${item.term}`).toContain(flat(`${words.join(' ')} ${item.term.split(' ')[0]}`));
          expect(text, `${where}: command ${item.term}`).toContain(flat(item.description));
          continue;
        }
        expect(text, `${where}: ${item.term}`).toContain(flat(item.term));
        expect(text, `${where}: ${item.term}`).toContain(flat(item.description));
        checked++;
      }
      for (const note of parsed.notes) expect(text, `${where}: note`).toContain(flat(note));
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('the page of a program of its own says what that program\'s --help says', () => {
    for (const bin of Object.keys(pkg.bin).filter((b) => b !== 'dsari')) {
      const parsed = parseHelp(help(bin, []));
      const text = rendered(`${bin}.1`);
      expect(text).toContain(flat(`${bin} ${parsed.items.some((i) => i.section === 'Commands:') ? '[options] [command]' : '[options]'}`));
      for (const item of parsed.items.filter((i) => i.section !== 'Commands:')) {
        expect(text, `${bin}: ${item.term}`).toContain(flat(item.term));
        expect(text, `${bin}: ${item.term}`).toContain(flat(item.description));
      }
    }
  });
});

