// One iptables rule (the words after `-A CHAIN`) → model statements: header matches, then each match module, then the target.
import type { Family } from '../addr/types.ts';
import type { NfStatement } from '../model/netfilter.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import {
  BadOption, Unsupported, ipPayload, match, maskedMatch, pattern, single,
  type Translation, type XtContext, type XtOption,
} from './iptables-exprs.ts';
import { MATCH_MODULES } from './iptables-matches.ts';
import { TARGETS } from './iptables-targets.ts';
import type { IptablesToken } from './iptables-tokens.ts';
import { parseAddressSpec, parseProtocol, PORT_PROTOCOLS } from './iptables-values.ts';

export interface RuleSite {
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  readonly line: number;
  /** the whole line, for the text of unknown parts */
  readonly lineText: string;
  /** the rule as the user reads it (the -A line) */
  readonly ruleText: string;
  readonly userChains: ReadonlySet<string>;
  readonly sink: DiagnosticSink;
}

export interface TranslatedRule {
  readonly statements: NfStatement[];
  readonly comment?: string;
  /** `-4` in an ip6tables file or `-6` in an iptables file: iptables-restore ignores the line */
  readonly otherFamily: boolean;
}

/** Long spellings of the options every rule has (iptables' original_opts). */
const HEADER_OPTIONS: Readonly<Record<string, string>> = {
  '-s': 's', '--source': 's', '--src': 's',
  '-d': 'd', '--destination': 'd', '--dst': 'd',
  '-i': 'i', '--in-interface': 'i',
  '-o': 'o', '--out-interface': 'o',
  '-p': 'p', '--protocol': 'p',
  '-f': 'f', '--fragment': 'f',
  '-m': 'm', '--match': 'm',
  '-j': 'j', '--jump': 'j',
  '-g': 'g', '--goto': 'g',
  '-c': 'c', '--set-counters': 'c',
  '-4': '4', '--ipv4': '4',
  '-6': '6', '--ipv6': '6',
};

const isBang = (token: IptablesToken | undefined): boolean => token !== undefined && token.text === '!' && !token.quoted;

const isOption = (token: IptablesToken | undefined): boolean =>
  token !== undefined && !token.quoted && /^--?[a-zA-Z0-9]/.test(token.text) && !/^-\d+$/.test(token.text);

interface Segment {
  /** `unsupported`: a header test pbr does not model; `name` says which */
  readonly kind: 'match' | 'target' | 'goto' | 'unsupported';
  readonly name: string;
  /** 0-based start of the segment's text in the line (its `-m`/`-j`, or its first option when implicit) */
  readonly start: number;
  end: number;
  readonly options: XtOption[];
}

/** The model form of iptables' `-i eth+`: nft's trailing `*`; a literal trailing `*` is escaped. */
function ifnamePattern(name: string): string {
  if (name.endsWith('+')) return `${name.slice(0, -1)}*`;
  if (name.endsWith('*')) return `${name.slice(0, -1)}\\*`;
  return name;
}

function implicitModule(protocol: number | undefined): string | undefined {
  if (protocol === undefined) return undefined;
  if (protocol === 1) return 'icmp';
  if (protocol === 58) return 'icmp6';
  return PORT_PROTOCOLS.get(protocol);
}

/** mirrors ip_packet_match(), net/ipv4/netfilter/ip_tables.c (ip6_packet_match() for IPv6), then the matches and the target */
export function translateIptablesRule(tokens: readonly IptablesToken[], site: RuleSite): TranslatedRule {
  const { sink, family } = site;
  const header: NfStatement[] = [];
  const segments: Segment[] = [];
  const comments: string[] = [];
  let protocol: number | undefined;
  let otherFamily = false;
  let broken = false;
  const fail = (message: string, column: number): void => {
    sink.error('iptables-bad-rule', `${site.table}/${site.chain}: ${message}`, sink.at(site.line, column), 'iptables-save never writes this; check the file');
    broken = true;
  };

  let negated: IptablesToken | undefined;
  let current: Segment | undefined;
  for (let i = 0; i < tokens.length && !broken; i++) {
    const token = tokens[i] as IptablesToken;
    if (isBang(token)) {
      if (negated) fail('"!" twice', token.column);
      negated = token;
      continue;
    }
    const headerOption = !token.quoted && Object.hasOwn(HEADER_OPTIONS, token.text) ? HEADER_OPTIONS[token.text] : undefined;
    /** the value after a header option, consumed; a missing one breaks the rule */
    function arg(): string | undefined {
      const next = tokens[i + 1];
      if (next === undefined || isBang(next) || isOption(next)) {
        fail(`${token.text} needs a value`, token.column);
        return undefined;
      }
      i++;
      return next.text;
    }
    const negToken = negated;
    const not = negToken !== undefined;
    negated = undefined;
    if (headerOption !== undefined) {
      current = undefined;
      switch (headerOption) {
        case 's':
        case 'd': {
          const text = arg();
          if (text === undefined) break;
          if (text.includes(',')) {
            segments.push({ kind: 'unsupported', name: `an address list (${token.text} ${text})`, start: (negToken ?? token).column - 1, end: tokens[i]?.end ?? token.end, options: [] });
            break;
          }
          const spec = parseAddressSpec(text, family);
          if (spec === undefined) {
            fail(`bad IPv${family} address or prefix "${text}" after ${token.text}`, token.column);
            break;
          }
          const field = ipPayload(family, headerOption === 's' ? 'saddr' : 'daddr');
          header.push(spec.kind === 'masked'
            ? maskedMatch(field, spec.value, spec.mask, (1n << BigInt(spec.width)) - 1n, not)
            : match(field, not, pattern(spec.element)));
          break;
        }
        case 'i':
        case 'o': {
          const text = arg();
          if (text === undefined) break;
          header.push(match({ kind: 'meta', key: headerOption === 'i' ? 'iifname' : 'oifname' }, not, single(ifnamePattern(text))));
          break;
        }
        case 'p': {
          const text = arg();
          if (text === undefined) break;
          const number = parseProtocol(text);
          if (number === undefined) {
            fail(`unknown protocol "${text}"`, token.column);
            break;
          }
          if (!not) protocol = number;
          // protocol 0 ("all") is no test at all, inverted or not
          if (number !== 0) header.push(match({ kind: 'meta', key: 'l4proto' }, not, single(BigInt(number))));
          break;
        }
        case 'f':
          segments.push({ kind: 'unsupported', name: 'the fragment test -f', start: (negToken ?? token).column - 1, end: token.end, options: [] });
          break;
        case 'm':
        case 'j':
        case 'g': {
          const name = arg();
          if (name === undefined) break;
          if (not) fail(`"!" cannot negate ${token.text}`, token.column);
          const kind = headerOption === 'm' ? 'match' : headerOption === 'j' ? 'target' : 'goto';
          if (kind !== 'match' && segments.some((s) => s.kind === 'target' || s.kind === 'goto')) fail('a rule has one target', token.column);
          current = { kind, name, start: token.column - 1, end: tokens[i]?.end ?? token.end, options: [] };
          segments.push(current);
          break;
        }
        case 'c':
          if (arg() !== undefined) arg();
          break;
        case '4':
        case '6':
          if (Number(headerOption) !== family) otherFamily = true;
          break;
      }
      continue;
    }
    if (!isOption(token) || !token.text.startsWith('--')) {
      fail(`unexpected "${token.text}"`, token.column);
      break;
    }
    if (current === undefined || current.kind === 'goto') {
      const name = implicitModule(protocol);
      if (name === undefined) {
        fail(`${token.text} belongs to no match (give -m MODULE or -p PROTOCOL first)`, token.column);
        break;
      }
      current = { kind: 'match', name, start: (negToken ?? token).column - 1, end: token.end, options: [] };
      segments.push(current);
    }
    const args: string[] = [];
    let optionNegated = not;
    // iptables before 1.4.3 wrote `--dport ! 22`
    if (isBang(tokens[i + 1]) && tokens[i + 2] !== undefined && !isOption(tokens[i + 2])) {
      optionNegated = true;
      i++;
    }
    while (tokens[i + 1] !== undefined && !isBang(tokens[i + 1]) && !isOption(tokens[i + 1])) {
      args.push((tokens[i + 1] as IptablesToken).text);
      i++;
    }
    current.options.push({ name: token.text.slice(2), args, negated: optionNegated, column: token.column, end: tokens[i]?.end ?? token.end });
    current.end = tokens[i]?.end ?? token.end;
  }
  if (negated && !broken) fail('"!" at the end of the rule', negated.column);
  if (broken) return { statements: [{ kind: 'unknown', text: site.ruleText }], otherFamily };

  const ctx: XtContext = { family, table: site.table, ...(protocol === undefined ? {} : { protocol }), userChains: site.userChains };
  const statements: NfStatement[] = [...header];
  for (const segment of segments) {
    const text = site.lineText.slice(segment.start, segment.end);
    if (segment.kind === 'match' && segment.name === 'comment') {
      const comment = segment.options.find((o) => o.name === 'comment' && o.args.length === 1);
      if (comment && segment.options.length === 1) comments.push(comment.args[0] as string);
      else statements.push(...report(site, text, segment.start + 1, new BadOption('-m comment takes one --comment TEXT', segment.start + 1)));
      continue;
    }
    statements.push(...report(site, text, segment.start + 1, translateSegment(segment, ctx)));
  }
  return { statements, ...(comments.length === 0 ? {} : { comment: comments.join(' ') }), otherFamily };
}

function translateSegment(segment: Segment, ctx: XtContext): Translation {
  if (segment.kind === 'goto') {
    if (segment.options.length > 0) return new BadOption(`-g ${segment.name} takes no options`, segment.options[0]?.column ?? segment.start + 1);
    if (!ctx.userChains.has(segment.name)) return new BadOption(`-g ${segment.name}: no such user chain in table ${ctx.table}`, segment.start + 1);
    return [{ kind: 'verdict', verdict: { kind: 'goto', chain: segment.name } }];
  }
  if (segment.kind === 'target') {
    const target = Object.hasOwn(TARGETS, segment.name) ? TARGETS[segment.name] : undefined;
    if (target) return target(segment.options, ctx);
    if (ctx.userChains.has(segment.name)) {
      if (segment.options.length > 0) return new BadOption(`-j ${segment.name} (a chain) takes no options`, segment.options[0]?.column ?? segment.start + 1);
      return [{ kind: 'verdict', verdict: { kind: 'jump', chain: segment.name } }];
    }
    // iptables targets are upper case; anything else was meant as a chain
    return new Unsupported(/^[A-Z0-9_]+$/.test(segment.name) ? `target ${segment.name}` : `-j ${segment.name}, which is no chain declared before this rule,`);
  }
  if (segment.kind === 'unsupported') return new Unsupported(segment.name);
  const module = Object.hasOwn(MATCH_MODULES, segment.name) ? MATCH_MODULES[segment.name] : undefined;
  if (!module) return new Unsupported(`match -m ${segment.name}`);
  return module(segment.options, ctx);
}

/** Statements of a translation; an unsupported or malformed part becomes an `unknown` statement and a diagnostic. */
function report(site: RuleSite, text: string, column: number, result: Translation): NfStatement[] {
  if (!Array.isArray(result)) return [complain(site, text, column, result)];
  return result.map((piece) => {
    if (!('option' in piece)) return piece;
    const { option, failure } = piece;
    return complain(site, `${option.negated ? '! ' : ''}${site.lineText.slice(option.column - 1, option.end)}`, option.column, failure);
  });
}

function complain(site: RuleSite, text: string, column: number, failure: Unsupported | BadOption): NfStatement {
  const where = `table ${site.table}, chain ${site.chain}, line ${site.line}`;
  if (failure instanceof BadOption) {
    site.sink.error('iptables-bad-option', `${where}: ${failure.message} in "${site.ruleText}"`, site.sink.at(site.line, failure.column || column),
      'pbr reads this part as unknown: every outcome of the rule stays possible');
  } else {
    site.sink.warning('iptables-unsupported', `${where}: ${failure.why} is not modelled ("${text}") in rule "${site.ruleText}"`, site.sink.at(site.line, column),
      'pbr trace treats this part as unknown and lists every outcome the rule allows; remove or rewrite it to get one answer');
  }
  return { kind: 'unknown', text };
}
