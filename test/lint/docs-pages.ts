// The docs/lint/<id>.md pages: their format (docs/lint/README.md) read into examples, and the shell-like
// tokenizer of their ```sh blocks.
import { readdirSync, readFileSync } from 'node:fs';
import type { Severity } from '../../src/model/diagnostics.ts';

export const DOCS_DIR = new URL('../../docs/lint/', import.meta.url);

export type BlockKind = 'sh' | 'nft' | 'iptables' | 'ip6tables' | 'yaml';
const BLOCK_KINDS: ReadonlySet<string> = new Set(['sh', 'nft', 'iptables', 'ip6tables', 'yaml']);

export interface Block {
  readonly kind: BlockKind;
  readonly text: string;
  /** line of the opening fence in the page */
  readonly line: number;
}

export interface Example {
  readonly blocks: readonly Block[];
  /** `# rt_tables: ID NAME` comments of its blocks, as rt_tables lines */
  readonly rtTables: readonly string[];
}

export interface LintPage {
  readonly file: string;
  readonly id: string;
  readonly severity: Severity;
  readonly failing: Example;
  readonly passing: Example;
}

const SECTIONS = ['Failing example', 'Passing example', 'Fix'] as const;

/** The page's parts; throws naming the file and line of what does not follow the format. */
export function parseLintPage(file: string, text: string): LintPage {
  const lines = text.split('\n');
  const fail = (line: number, message: string): never => {
    throw new Error(`docs/lint/${file}:${line}: ${message} (the format: docs/lint/README.md)`);
  };
  const id = /^# ([a-z0-9-]+)$/.exec(lines[0] ?? '')?.[1] ?? fail(1, 'the first line must be "# <id>"');
  if (`${id}.md` !== file) fail(1, `the id "${id}" is not the file name`);
  const severity = /^Severity: (error|warning|info)$/.exec(lines[1] ?? '')?.[1] as Severity | undefined;
  if (severity === undefined) fail(2, 'the second line must be "Severity: error|warning|info"');
  const sections = new Map<string, Block[]>();
  let section: Block[] | undefined;
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^## (.*)$/.exec(line);
    if (heading) {
      const name = heading[1]!;
      if (!(SECTIONS as readonly string[]).includes(name)) fail(i + 1, `unknown section "${name}"; sections: ${SECTIONS.join(', ')}`);
      if (sections.has(name)) fail(i + 1, `section "${name}" twice`);
      const expected = SECTIONS[sections.size];
      if (name !== expected) fail(i + 1, `section "${name}" where "${expected}" must come`);
      section = [];
      sections.set(name, section);
      continue;
    }
    const fence = /^```(.*)$/.exec(line);
    if (!fence) continue;
    const kind = fence[1]!;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) fail(start, 'code block is not closed');
    if (section === undefined || section === sections.get('Fix')) continue;
    if (!BLOCK_KINDS.has(kind)) fail(start, `an example block must be one of ${[...BLOCK_KINDS].join(', ')}, not "${kind}"`);
    section.push({ kind: kind as BlockKind, text: `${body.join('\n')}\n`, line: start });
  }
  for (const name of SECTIONS) if (!sections.has(name)) fail(lines.length, `missing section "## ${name}"`);
  const example = (name: string): Example => {
    const blocks = sections.get(name) ?? [];
    if (blocks.length === 0) fail(lines.length, `"## ${name}" has no example block`);
    const rtTables = blocks.flatMap((b) => [...b.text.matchAll(/^\s*# rt_tables: (\d+\s+\S+)\s*$/gm)].map((m) => m[1]!.replace(/\s+/, ' ')));
    return { blocks, rtTables };
  };
  return { file, id, severity: severity!, failing: example('Failing example'), passing: example('Passing example') };
}

/** Every docs/lint/<id>.md page (README.md is the format, not a page). */
export function readLintPages(): LintPage[] {
  return readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((f) => parseLintPage(f, readFileSync(new URL(f, DOCS_DIR), 'utf8')));
}

export interface ShCommand {
  readonly argv: readonly string[];
  /** line in the block (1-based) where the command starts */
  readonly line: number;
}

const SHELL_SPECIAL = new Set(['|', '&', ';', '<', '>', '$', '`', '(', ')']);

/**
 * The commands of a ```sh block: one per line, words split on blanks, '…' and "…" quotes (in "…" a backslash
 * escapes " and \), backslash-newline joins lines, an unquoted # starts a comment. No pipes, redirections or
 * variables: those characters unquoted are an error.
 */
export function tokenizeSh(text: string): ShCommand[] {
  const commands: ShCommand[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let line = 1;
  let start = 1;
  const endWord = (): void => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push({ argv: words, line: start });
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (words.length === 0 && word === undefined) start = line;
    if (c === '\\' && text[i + 1] === '\n') {
      i++;
      line++;
    } else if (c === '\n') {
      endCommand();
      line++;
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else if (c === '#' && word === undefined) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      for (i++; i < text.length && text[i] !== c; i++) {
        if (c === '"' && text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++;
        if (text[i] === '\n') line++;
        value += text[i]!;
      }
      if (i >= text.length) throw new Error(`line ${start}: unterminated ${c} quote`);
      word = (word ?? '') + value;
    } else if (SHELL_SPECIAL.has(c)) {
      throw new Error(`line ${line}: "${c}" is shell syntax, which example blocks do not have (one plain command per line)`);
    } else if (c === '\\') {
      word = (word ?? '') + (text[i + 1] ?? '');
      i++;
    } else {
      word = (word ?? '') + c;
    }
  }
  endCommand();
  return commands;
}

/** Why an example command is not allowed, or undefined: ip …, sysctl -w key=value, nft …, iptables …, ip6tables …. */
export function disallowed(argv: readonly string[]): string | undefined {
  const [program, ...args] = argv;
  if (program === 'ip' || program === 'nft' || program === 'iptables' || program === 'ip6tables') {
    return args.length === 0 ? `${program} needs arguments` : undefined;
  }
  if (program === 'sysctl') {
    return args.length >= 2 && args[0] === '-w' && args.slice(1).every((a) => /^[\w./-]+=\S*$/.test(a)) ? undefined : 'sysctl only as `sysctl -w key=value`';
  }
  return `"${program}" is not an example command (ip, sysctl -w, nft, iptables, ip6tables)`;
}
