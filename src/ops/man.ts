/**
 * Manual pages (roff, the man(7) macros) generated from the commands' own definitions
 * (cli-tree.ts): dsari(1) with the list of commands, and dsari-NAME(1) for each command with
 * its options and its own subcommands. `npm run build` writes them to man/ (scripts/build-man.mjs).
 */
import { allCommands, type CommandInfo, type OptionInfo } from './cli-tree.js';

export interface ManOptions {
  readonly version: string;
  /** Commands that are also programs of their own (`daemon` → `dsari-daemon`). */
  readonly standalone: ReadonlySet<string>;
}

/** Escapes text for a roff text line: backslashes, hyphens (so options copy as typed), non-ASCII. */
export function roffText(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x20-\x7e\n]/gu, (c) => `\\[u${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .split(' ')
    .map(breakable)
    .join(' ');
}

/** Lets a very long word (a JSON default) break after punctuation instead of overflowing the line. */
function breakable(word: string): string {
  return word.length > 30 ? word.replace(/([,/:])/g, '$1\\:') : word;
}

/** A text block: each line escaped, and a leading `.` or `'` kept from reading as a request. */
function roffLines(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.trim() === '' ? '.sp' : `${/^[.']/.test(l) ? '\\&' : ''}${roffText(l)}`))
    .join('\n');
}

/** A macro argument: quoted, with its quotes doubled. */
function arg(text: string): string {
  return `"${roffText(text).replace(/"/g, '""')}"`;
}

function optionList(options: readonly OptionInfo[]): string[] {
  return options.flatMap((o) => ['.TP', `.B ${arg(o.term)}`, roffLines(o.description)]);
}

/** Preformatted text (the Signals:/Example: notes of `--help`) as it is laid out there. */
function preformatted(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((l) => (l === '' ? '' : `${/^[.']/.test(l) ? '\\&' : ''}${roffText(l).replace(/\\:/g, '')}`));
  return ['.PP', '.nf', ...lines, '.fi'];
}

/** One command's section body: description, arguments, options, notes, then its subcommands. */
function commandBody(cmd: CommandInfo, heading: (title: string) => string): string[] {
  const out: string[] = [];
  if (cmd.before !== '') out.push(...preformatted(cmd.before));
  if (cmd.arguments.length > 0) {
    out.push(heading('Arguments'));
    for (const a of cmd.arguments) out.push('.TP', `.B ${arg(a.term)}`, roffLines(a.description));
  }
  if (cmd.options.length > 0) {
    out.push(heading('Options'));
    out.push(...optionList(cmd.options));
  }
  if (cmd.after !== '') out.push(heading('Notes'), ...preformatted(cmd.after));
  return out;
}

function synopsis(cmd: CommandInfo, standalone: boolean): string[] {
  const usage = (u: string): string[] => {
    const [first, ...rest] = u.split(' ');
    return [`.B ${arg(first ?? '')}`, roffLines(rest.join(' '))];
  };
  const lines = usage(cmd.usage);
  if (standalone) lines.push('.br', ...usage(cmd.usage.replace(/^dsari /, 'dsari-')));
  return lines;
}

function titleOf(page: string, version: string): string {
  return `.TH ${arg(page.toUpperCase())} 1 "" ${arg(`dsari ${version}`)} ${arg('dsari manual')}`;
}

/** Sections every page ends with. */
function commonSections(others: readonly string[]): string[] {
  return [
    '.SH "EXIT STATUS"',
    '.TP', '.B 0', 'success.',
    '.TP', '.B 1', 'an error, described in one line on standard error.',
    '.TP', '.B 2', 'bad usage (an unknown option, a missing argument).',
    '.SH ENVIRONMENT',
    '.TP', '.B DSARI_HOME', roffLines('without -c, the configuration is read from $DSARI_HOME/etc, else from the first of ~/.dsari/etc, /usr/local/etc/dsari and /etc/dsari that has one.'),
    '.TP', '.B XDG_CACHE_HOME', roffLines("where the caches are kept ($XDG_CACHE_HOME/dsari, else ~/.cache/dsari): the checked configuration, the next run times of job list, dsari-info's compiled code. Only speed depends on them."),
    '.TP', '.B DSARI_CONFIG_CACHE', roffLines('off: the configuration (and job list\'s next run times) are read and computed every time.'),
    '.TP', '.B DSARI_CODE_CACHE', roffLines("off: dsari-info compiles its code at every start."),
    '.SH "SEE ALSO"',
    roffLines(`${others.map((p) => `${p}(1)`).join(', ')}; the documentation in the docs/ directory of the dsari package.`),
  ];
}

/** The pages: `dsari.1` for `root` and `dsari-NAME.1` for each of its commands. */
export function manPages(root: CommandInfo, options: ManOptions): Map<string, string> {
  const pages = new Map<string, string>();
  const names = [root.name, ...root.commands.map((c) => `${root.name}-${c.name}`)];
  const rootLines = [
    titleOf(root.name, options.version),
    '.nh',
    '.ad l',
    '.SH NAME',
    `${roffText(root.name)} \\- ${roffText(root.description)}`,
    '.SH SYNOPSIS',
    ...synopsis(root, false),
    '.SH DESCRIPTION',
    roffLines(root.description),
    ...commandBody(root, (t) => `.SH ${arg(t.toUpperCase())}`),
    '.SH COMMANDS',
    ...root.commands.flatMap((c) => ['.TP', `.B ${arg(c.term)}`, roffLines(`${c.description}. See ${root.name}-${c.name}(1).`)]),
    ...commonSections(names.filter((n) => n !== root.name)),
  ];
  pages.set(`${root.name}.1`, `${rootLines.join('\n')}\n`);
  for (const cmd of root.commands) {
    const page = `${root.name}-${cmd.name}`;
    const lines = [
      titleOf(page, options.version),
      '.nh',
      '.ad l',
      '.SH NAME',
      `${roffText(page)} \\- ${roffText(cmd.description)}`,
      '.SH SYNOPSIS',
      ...synopsis(cmd, options.standalone.has(cmd.name)),
      ...allCommands(cmd)
        .slice(1)
        .flatMap((sub) => ['.br', ...synopsis(sub, false)]),
      '.SH DESCRIPTION',
      roffLines(cmd.description),
      ...commandBody(cmd, (t) => `.SH ${arg(t.toUpperCase())}`),
    ];
    const subs = allCommands(cmd).slice(1);
    if (subs.length > 0) {
      lines.push('.SH COMMANDS');
      for (const sub of subs) {
        lines.push(`.SS ${arg(sub.path.slice(1).join(' '))}`, roffLines(sub.description));
        if (sub.commands.length > 0) lines.push('.PP', roffLines(`Commands: ${sub.commands.map((c) => c.name).join(', ')}.`));
        lines.push(...commandBody(sub, (t) => `.PP\n.I ${arg(t)}`));
      }
    }
    lines.push(...commonSections(names.filter((n) => n !== page)));
    pages.set(`${page}.1`, `${lines.join('\n')}\n`);
  }
  return pages;
}
