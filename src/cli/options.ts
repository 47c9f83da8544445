// pbr's own options (-4, -j, --snapshot FILE, …), taken from anywhere on the command line except
// where a selector expects its value (so `mark -1` stays the selector's business).
import type { Family } from '../addr/types.ts';
import { UsageError } from '../model/errors.ts';

export interface Options {
  family?: Family;
  json: boolean;
  details: boolean;
  explain: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
  snapshot?: string;
  batch?: string;
  summary: boolean;
  output?: string;
  netns?: string;
  reply: boolean;
  fromLocal: boolean;
  uid?: string;
  gid?: string;
  config?: string;
  confirm?: string;
  unlessConfirmed?: string;
  root?: string;
  stateDir?: string;
  format?: string;
  enable: boolean;
  disable: boolean;
}

export type OptionName =
  | 'family' | 'json' | 'details' | 'explain' | 'debug' | 'help' | 'version' | 'snapshot' | 'batch' | 'summary' | 'output' | 'netns'
  | 'reply' | 'fromLocal' | 'uid' | 'gid'
  | 'config' | 'confirm' | 'unlessConfirmed' | 'root' | 'stateDir' | 'format' | 'enable' | 'disable';

interface OptionSpec {
  readonly name: OptionName;
  readonly value: boolean;
  readonly set: (o: Options, value: string) => void;
}

const SPECS: ReadonlyMap<string, OptionSpec> = new Map<string, OptionSpec>([
  ['-4', { name: 'family', value: false, set: (o) => (o.family = 4) }],
  ['-6', { name: 'family', value: false, set: (o) => (o.family = 6) }],
  ['-j', { name: 'json', value: false, set: (o) => (o.json = true) }],
  ['--json', { name: 'json', value: false, set: (o) => (o.json = true) }],
  ['-d', { name: 'details', value: false, set: (o) => (o.details = true) }],
  ['--details', { name: 'details', value: false, set: (o) => (o.details = true) }],
  ['--explain', { name: 'explain', value: false, set: (o) => (o.explain = true) }],
  ['--debug', { name: 'debug', value: false, set: (o) => (o.debug = true) }],
  ['-h', { name: 'help', value: false, set: (o) => (o.help = true) }],
  ['--help', { name: 'help', value: false, set: (o) => (o.help = true) }],
  ['-V', { name: 'version', value: false, set: (o) => (o.version = true) }],
  ['--version', { name: 'version', value: false, set: (o) => (o.version = true) }],
  ['--snapshot', { name: 'snapshot', value: true, set: (o, v) => (o.snapshot = v) }],
  ['--batch', { name: 'batch', value: true, set: (o, v) => (o.batch = v) }],
  ['--summary', { name: 'summary', value: false, set: (o) => (o.summary = true) }],
  ['-o', { name: 'output', value: true, set: (o, v) => (o.output = v) }],
  ['--output', { name: 'output', value: true, set: (o, v) => (o.output = v) }],
  ['--netns', { name: 'netns', value: true, set: (o, v) => (o.netns = v) }],
  ['--reply', { name: 'reply', value: false, set: (o) => (o.reply = true) }],
  ['--from-local', { name: 'fromLocal', value: false, set: (o) => (o.fromLocal = true) }],
  ['--uid', { name: 'uid', value: true, set: (o, v) => (o.uid = v) }],
  ['--gid', { name: 'gid', value: true, set: (o, v) => (o.gid = v) }],
  ['-c', { name: 'config', value: true, set: (o, v) => (o.config = v) }],
  ['--config', { name: 'config', value: true, set: (o, v) => (o.config = v) }],
  ['--confirm', { name: 'confirm', value: true, set: (o, v) => (o.confirm = v) }],
  ['--unless-confirmed', { name: 'unlessConfirmed', value: true, set: (o, v) => (o.unlessConfirmed = v) }],
  ['--root', { name: 'root', value: true, set: (o, v) => (o.root = v) }],
  ['--state-dir', { name: 'stateDir', value: true, set: (o, v) => (o.stateDir = v) }],
  ['--format', { name: 'format', value: true, set: (o, v) => (o.format = v) }],
  ['--enable', { name: 'enable', value: false, set: (o) => (o.enable = true) }],
  ['--disable', { name: 'disable', value: false, set: (o) => (o.disable = true) }],
]);

export function emptyOptions(): Options {
  return { json: false, details: false, explain: false, debug: false, help: false, version: false, summary: false, reply: false, fromLocal: false, enable: false, disable: false };
}

export interface OptionScan {
  readonly options: Options;
  /** every option name given, to check it applies to the command */
  readonly given: ReadonlySet<OptionName>;
  /** the remaining words, in order */
  readonly words: readonly string[];
}

/** Whether a word looks like an option ("-" alone means stdin and is a word). */
export function isOptionLike(word: string): boolean {
  return word.length > 1 && word.startsWith('-');
}

/**
 * Separates options from words. `takesValue(previousWord)` tells when the next token is a selector's
 * value and must stay a word even if it starts with "-".
 */
export function scanOptions(argv: readonly string[], takesValue: (word: string) => boolean, into: Options = emptyOptions()): OptionScan {
  const words: string[] = [];
  const given = new Set<OptionName>();
  let valueNext = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (valueNext || !isOptionLike(token)) {
      words.push(token);
      valueNext = !valueNext && takesValue(token);
      continue;
    }
    const eq = token.indexOf('=');
    const flag = token.startsWith('--') && eq > 0 ? token.slice(0, eq) : token;
    const spec = SPECS.get(flag);
    if (!spec) throw new UsageError(`unknown option "${token}"`, 'see `pbr --help`');
    let value = '';
    if (spec.value) {
      if (flag !== token) value = token.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`option ${flag} needs a value`, 'see `pbr --help`');
        value = next;
        i++;
      }
    } else if (flag !== token) {
      throw new UsageError(`option ${flag} takes no value`);
    }
    spec.set(into, value);
    given.add(spec.name);
  }
  return { options: into, given, words };
}
