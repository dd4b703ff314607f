/**
 * Shell completion (SPEC-BEYOND §16). The scripts for bash, zsh and fish are thin: on each TAB
 * they ask `dsari __complete INDEX -- WORDS…`, and {@link completeWords} answers from the live
 * command definitions (cli-tree.ts), so completion knows every command and option `--help`
 * shows, and job names (the configuration) and run ids (the store) through the lookups given.
 */
import type { CommandInfo, OptionInfo, ValueKind } from './cli-tree.js';

/** The shells there are scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface Candidate {
  readonly value: string;
  readonly description: string;
}

/** What the shell should offer: these words, or its own directory / file completion. */
export interface Completion {
  readonly kind: 'words' | 'dirs' | 'files';
  readonly candidates: readonly Candidate[];
}

/** Job names and run ids for the configuration directory the command line names (if any). */
export interface CompletionLookups {
  jobs(configDir: string | undefined): Promise<readonly Candidate[]>;
  runs(configDir: string | undefined): Promise<readonly Candidate[]>;
}

/** Where the command line stands: the command reached, the options seen, the positionals count. */
interface Position {
  node: CommandInfo;
  ancestors: CommandInfo[];
  configDir: string | undefined;
  positionals: number;
  /** After `--` every word is an argument: no commands, no options. */
  dashdash: boolean;
}

function optionsOf(p: Position): OptionInfo[] {
  return [...p.ancestors, p.node].reverse().flatMap((c) => c.options);
}

function findOption(p: Position, word: string): OptionInfo | undefined {
  return optionsOf(p).find((o) => o.long === word || o.short === word);
}

function isConfigOption(word: string): boolean {
  return word === '-c' || word === '--config-dir';
}

/** The first word names the program: `dsari`, or `dsari-info` (the `info` command on its own). */
function startOf(root: CommandInfo, program: string): Position {
  const base = program.slice(program.lastIndexOf('/') + 1);
  const sub = root.commands.find((c) => `${root.name}-${c.name}` === base);
  return sub === undefined ? { node: root, ancestors: [], configDir: undefined, positionals: 0, dashdash: false } : { node: sub, ancestors: [root], configDir: undefined, positionals: 0, dashdash: false };
}

/** Walks the words before the one being completed. */
function walk(root: CommandInfo, words: readonly string[], index: number): Position {
  const p = startOf(root, words[0] ?? root.name);
  for (let i = 1; i < index; i++) {
    const w = words[i] as string;
    if (p.dashdash) {
      p.positionals++;
    } else if (w === '--') {
      p.dashdash = true;
    } else if (w.startsWith('-') && w !== '-') {
      const eq = w.indexOf('=');
      if (w.startsWith('--') && eq > 0) {
        if (isConfigOption(w.slice(0, eq))) p.configDir = w.slice(eq + 1);
        continue;
      }
      const opt = findOption(p, w);
      if (opt?.takesValue !== true) continue;
      // bash splits `--job=x` into `--job`, `=`, `x`.
      const valueAt = words[i + 1] === '=' ? i + 2 : i + 1;
      if (isConfigOption(w) && valueAt < index) p.configDir = words[valueAt];
      i = valueAt;
    } else {
      const sub = p.positionals === 0 ? p.node.commands.find((c) => c.name === w) : undefined;
      if (sub !== undefined) {
        p.ancestors.push(p.node);
        p.node = sub;
      } else {
        p.positionals++;
      }
    }
  }
  return p;
}

async function valuesOf(kind: ValueKind, choices: readonly string[], p: Position, lookups: CompletionLookups): Promise<Completion> {
  switch (kind) {
    case 'dir':
      return { kind: 'dirs', candidates: [] };
    case 'file':
      return { kind: 'files', candidates: [] };
    case 'choice':
      return { kind: 'words', candidates: choices.map((value) => ({ value, description: '' })) };
    case 'job':
      return { kind: 'words', candidates: await lookups.jobs(p.configDir) };
    case 'run':
      return { kind: 'words', candidates: await lookups.runs(p.configDir) };
    default:
      return { kind: 'words', candidates: [] };
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function withPrefix(c: Completion, current: string, prefix = ''): Completion {
  return { kind: c.kind, candidates: c.candidates.filter((x) => x.value.startsWith(current)).map((x) => ({ value: `${prefix}${x.value}`, description: x.description })) };
}

/**
 * What to offer for `words[index]` (words[0] is the program). Pure apart from the lookups.
 */
export async function completeWords(root: CommandInfo, words: readonly string[], index: number, lookups: CompletionLookups): Promise<Completion> {
  const p = walk(root, words, index);
  const current = words[index] ?? '';
  let prev = words[index - 1] ?? '';
  if (prev === '=' && index >= 2) prev = words[index - 2] ?? '';
  const valueOption = prev.startsWith('-') && !p.dashdash ? findOption(p, prev) : undefined;
  if (valueOption?.takesValue === true) return withPrefix(await valuesOf(valueOption.kind, valueOption.choices, p, lookups), current);
  const eq = current.indexOf('=');
  if (current.startsWith('--') && eq > 0 && !p.dashdash) {
    const opt = findOption(p, current.slice(0, eq));
    if (opt?.takesValue !== true) return { kind: 'words', candidates: [] };
    return withPrefix(await valuesOf(opt.kind, opt.choices, p, lookups), current.slice(eq + 1), current.slice(0, eq + 1));
  }
  if (current.startsWith('-') && !p.dashdash) {
    const seen = new Set<string>();
    const candidates: Candidate[] = [];
    for (const o of optionsOf(p)) {
      for (const flag of [o.long, o.short]) {
        if (flag === undefined || seen.has(flag)) continue;
        seen.add(flag);
        candidates.push({ value: flag, description: firstLine(o.description) });
      }
    }
    return withPrefix({ kind: 'words', candidates }, current);
  }
  const subs: Candidate[] = p.positionals === 0 && !p.dashdash ? p.node.commands.map((c) => ({ value: c.name, description: firstLine(c.description) })) : [];
  const argument = p.node.positionals[p.positionals];
  const values: Completion = argument === undefined ? { kind: 'words', candidates: [] } : await valuesOf(argument.kind, argument.choices, p, lookups);
  // Directories or files for the argument, unless there are commands to offer too.
  if (values.kind !== 'words' && subs.length === 0) return values;
  return withPrefix({ kind: 'words', candidates: [...subs, ...values.candidates] }, current);
}

/** The answer as the scripts read it: the kind on the first line, then `value<TAB>description`. */
export function formatCompletion(c: Completion): string {
  return [c.kind, ...c.candidates.map((x) => (x.description === '' ? x.value : `${x.value}\t${x.description.replace(/[\t\n]/g, ' ')}`))].join('\n') + '\n';
}

/** The script for `shell`, completing `programs` (the root program first). */
export function completionScript(shell: Shell, programs: readonly string[]): string {
  const root = programs[0] ?? 'dsari';
  const fn = `_${root.replace(/\W/g, '_')}_complete`;
  switch (shell) {
    case 'bash':
      return `# ${root} completion for bash. Load it now:  source <(${root} completion bash)
# or for every shell:  ${root} completion bash > /etc/bash_completion.d/${root}
${fn}() {
  local IFS=$'\\n' line
  local -a out
  out=($(command ${root} __complete "$COMP_CWORD" -- "\${COMP_WORDS[@]}" 2>/dev/null)) || return 0
  COMPREPLY=()
  case \${out[0]} in
    dirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "\${COMP_WORDS[COMP_CWORD]}")) ;;
    files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}")) ;;
    *) for line in "\${out[@]:1}"; do COMPREPLY+=("\${line%%$'\\t'*}"); done ;;
  esac
}
complete -F ${fn} ${programs.join(' ')}
`;
    case 'zsh':
      return `#compdef ${programs.join(' ')}
# ${root} completion for zsh. Load it now:  source <(${root} completion zsh)  (after compinit)
# or put it in a directory of $fpath as _${root}.
${fn}() {
  local -a out values descriptions
  local line
  out=("\${(@f)$(command ${root} __complete $((CURRENT - 1)) -- "\${words[@]}" 2>/dev/null)}")
  case $out[1] in
    dirs) _files -/ ;;
    files) _files ;;
    *)
      for line in "\${(@)out[2,-1]}"; do
        [[ -z $line ]] && continue
        values+=("\${line%%$'\\t'*}")
        if [[ $line == *$'\\t'* ]]; then descriptions+=("\${line%%$'\\t'*} -- \${line#*$'\\t'}"); else descriptions+=("\${line}"); fi
      done
      (( \${#values} )) && compadd -l -d descriptions -a values
      ;;
  esac
}
if (( $+functions[compdef] )); then compdef ${fn} ${programs.join(' ')}; fi
`;
    case 'fish':
      return `# ${root} completion for fish. Load it now:  ${root} completion fish | source
# or for good:  ${root} completion fish > ~/.config/fish/completions/${root}.fish
function __${fn}
    set -l tokens (commandline -opc) (commandline -ct)
    set -l out (command ${root} __complete (math (count $tokens) - 1) -- $tokens 2>/dev/null)
    switch "$out[1]"
        case dirs
            __fish_complete_directories (commandline -ct)
        case files
            __fish_complete_path (commandline -ct)
        case '*'
            printf '%s\\n' $out[2..-1]
    end
end
${programs.map((p) => `complete -c ${p} -f -a '(__${fn})'`).join('\n')}
`;
  }
}
