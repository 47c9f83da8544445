// pbr's nftables table `inet pbr`: ct mark restore, sticky uplinks for inbound connections, policy marks and
// weighted balancing, as an `nft -f` script and as the JSON `nft -j list ruleset` prints for it.
import { formatIp } from '../addr/address.ts';
import type { Family, IpPrefix } from '../addr/types.ts';
import type { Policy, PolicyMatch, PortRange } from '../model/intent.ts';
import { PBR_NFT_FAMILY, PBR_NFT_TABLE } from './ownership.ts';

/** One piece of a rule in both forms. */
interface Piece {
  readonly text: string;
  readonly json: unknown;
}

interface NftRuleSpec {
  readonly pieces: readonly Piece[];
}

interface NftChainSpec {
  readonly name: string;
  readonly base?: { readonly type: 'filter' | 'route'; readonly hook: 'prerouting' | 'output' };
  readonly rules: readonly NftRuleSpec[];
}

/** A mark target: the chain that sets it, and the mark. */
export interface MarkTarget {
  readonly chain: string;
  readonly mark: number;
}

export interface NftPolicy {
  readonly policy: Policy;
  /** what a matching new connection gets: one target, weighted targets, or none (an ip rule decides: stop here) */
  readonly targets: readonly { readonly target: MarkTarget; readonly weight: number }[];
}

export interface NftInput {
  readonly markMask: number;
  /** every pbr mark, with the chain that sets it */
  readonly marks: readonly MarkTarget[];
  /** uplink interfaces whose new inbound connections keep their uplink's mark */
  readonly sticky: readonly { readonly iifname: string; readonly target: MarkTarget }[];
  /** policies in intent order, up to the last one that needs a mark */
  readonly policies: readonly NftPolicy[];
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const str = (s: string): string => JSON.stringify(s);

const match = (text: string, left: unknown, right: unknown, op = '=='): Piece => ({ text, json: { match: { op, left, right } } });
const meta = (key: string): unknown => ({ meta: { key } });
const ct = (key: string): unknown => ({ ct: { key } });
const payload = (protocol: string, field: string): unknown => ({ payload: { protocol, field } });
const jump = (chain: string): Piece => ({ text: `jump ${chain}`, json: { jump: { target: chain } } });
const goto = (chain: string): Piece => ({ text: `goto ${chain}`, json: { goto: { target: chain } } });
const RETURN: Piece = { text: 'return', json: { return: null } };
const ACCEPT: Piece = { text: 'accept', json: { accept: null } };
const CT_NEW = match('ct state new', ct('state'), 'new', 'in');
const CT_ESTABLISHED = match('ct state established,related', ct('state'), ['established', 'related'], 'in');

/** `meta mark set meta mark & ~mask|mark | mark`: only pbr's bits change (nft's canonical form of `and … or …`). */
function setMarkBits(key: 'meta' | 'ct', mark: number, mask: number): Piece {
  const keep = (~mask | mark) >>> 0;
  const target = key === 'meta' ? meta('mark') : ct('mark');
  return {
    text: `${key} mark set ${key} mark & ${hex8(keep)} | ${hex8(mark)}`,
    json: { mangle: { key: target, value: { '|': [{ '&': [target, keep] }, mark] } } },
  };
}

function ctMarkIs(mark: number, mask: number): Piece {
  return match(`ct mark & ${hex8(mask)} == ${hex8(mark)}`, { '&': [ct('mark'), mask] }, mark);
}

const PORT_PROTOCOLS: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 33: 'dccp', 132: 'sctp', 136: 'udplite' };

/** A value or a set of values and ranges, sorted as nft lists an interval set. */
function rangesPiece(words: string, left: unknown, ranges: readonly PortRange[]): Piece {
  const items = [...ranges].sort((a, b) => a.start - b.start).map((r) =>
    r.start === r.end ? { text: String(r.start), json: r.start as unknown } : { text: `${r.start}-${r.end}`, json: { range: [r.start, r.end] } as unknown });
  const [single] = items;
  if (items.length === 1 && single) return match(`${words} ${single.text}`, left, single.json);
  return match(`${words} { ${items.map((i) => i.text).join(', ')} }`, left, { set: items.map((i) => i.json) });
}

function prefixesPiece(family: Family, field: 'saddr' | 'daddr', prefixes: readonly IpPrefix[]): Piece {
  const proto = family === 4 ? 'ip' : 'ip6';
  const bits = family === 4 ? 32 : 128;
  const one = (p: IpPrefix): { text: string; json: unknown } =>
    p.length === bits ? { text: formatIp(p.address), json: formatIp(p.address) } : { text: `${formatIp(p.address)}/${p.length}`, json: { prefix: { addr: formatIp(p.address), len: p.length } } };
  const items = [...prefixes].sort((a, b) => (a.address.value < b.address.value ? -1 : a.address.value > b.address.value ? 1 : a.length - b.length)).map(one);
  const [single] = items;
  if (items.length === 1 && single) return match(`${proto} ${field} ${single.text}`, payload(proto, field), single.json);
  return match(`${proto} ${field} { ${items.map((i) => i.text).join(', ')} }`, payload(proto, field), { set: items.map((i) => i.json) });
}

/**
 * The nft matches of a policy selector, one alternative per address family it needs (src/dst of both families
 * cannot share a rule, nor can `ip dscp` and `ip6 dscp`); an empty list when the selector can match nothing.
 */
function matchAlternatives(m: PolicyMatch): Piece[][] {
  const families = familiesOf(m);
  if (families === 'none') return [];
  const split = m.dscp !== undefined && families.length === 1 && families[0] === undefined ? [4, 6] as const : families;
  return split.map((family) => {
    const pieces: Piece[] = [];
    if (m.iif !== undefined) pieces.push(match(`iifname ${str(m.iif)}`, meta('iifname'), m.iif));
    for (const [field, list] of [['saddr', m.src], ['daddr', m.dst]] as const) {
      const ofFamily = list?.filter((p) => p.address.family === family);
      if (family !== undefined && ofFamily && ofFamily.length > 0) pieces.push(prefixesPiece(family, field, ofFamily));
    }
    const portProto = m.proto !== undefined ? PORT_PROTOCOLS[m.proto] : 'th';
    if (m.proto !== undefined && (portProto === undefined || (m.sport === undefined && m.dport === undefined))) {
      pieces.push(match(`meta l4proto ${m.proto}`, meta('l4proto'), m.proto));
    }
    for (const [field, ranges] of [['sport', m.sport], ['dport', m.dport]] as const) {
      if (ranges) pieces.push(rangesPiece(`${portProto ?? 'th'} ${field}`, payload(portProto ?? 'th', field), ranges));
    }
    if (m.dscp !== undefined) {
      const proto = family === 6 ? 'ip6' : 'ip';
      pieces.push(match(`${proto} dscp 0x${m.dscp.toString(16)}`, payload(proto, 'dscp'), m.dscp));
    }
    if (m.mark) pieces.push(match(`meta mark & ${hex8(m.mark.mask)} == ${hex8(m.mark.value)}`, { '&': [meta('mark'), m.mark.mask] }, m.mark.value));
    if (m.uid) pieces.push(rangesPiece('meta skuid', meta('skuid'), m.uid));
    return pieces;
  });
}

/** undefined: any family; 'none': src and dst of disjoint families. dscp alone is taken as IPv4 (`ip dscp`). */
function familiesOf(m: PolicyMatch): (Family | undefined)[] | 'none' {
  const sets = [m.src, m.dst].filter((l): l is readonly IpPrefix[] => l !== undefined && l.length > 0).map((l) => new Set(l.map((p) => p.address.family)));
  if (sets.length === 0) return [undefined];
  const both = ([4, 6] as const).filter((f) => sets.every((s) => s.has(f)));
  return both.length === 0 ? 'none' : both;
}

function policyChainName(index: number): string {
  return `policy_${index}`;
}

/** The chains of `inet pbr`. */
function buildChains(input: NftInput): NftChainSpec[] {
  const restore: NftRuleSpec[] = input.marks.map((t) => ({ pieces: [ctMarkIs(t.mark, input.markMask), setMarkBits('meta', t.mark, input.markMask)] }));
  const markChains: NftChainSpec[] = input.marks.map((t) => ({
    name: t.chain,
    rules: [{ pieces: [setMarkBits('meta', t.mark, input.markMask)] }, { pieces: [setMarkBits('ct', t.mark, input.markMask)] }, { pieces: [ACCEPT] }],
  }));
  const policyRules: NftRuleSpec[] = [];
  const policyChains: NftChainSpec[] = [];
  input.policies.forEach(({ policy, targets }, index) => {
    const action = actionOf(targets);
    const m = policy.match;
    if (m.not === undefined) {
      for (const alt of matchAlternatives(m)) policyRules.push({ pieces: [...alt, action] });
      return;
    }
    // a AND NOT b: a jumps to the policy's chain, which returns when b holds
    const { not, ...rest } = m;
    const name = policyChainName(index);
    const excluded = matchAlternatives(not).map((alt) => ({ pieces: [...alt, RETURN] }));
    policyChains.push({ name, rules: [...excluded, { pieces: [action] }] });
    for (const alt of matchAlternatives(rest)) policyRules.push({ pieces: [...alt, jump(name)] });
  });
  const stickyRules: NftRuleSpec[] = input.sticky.map((s) => ({ pieces: [match(`iifname ${str(s.iifname)}`, meta('iifname'), s.iifname), CT_NEW, goto(s.target.chain)] }));
  return [
    {
      name: 'prerouting',
      base: { type: 'filter', hook: 'prerouting' },
      rules: [{ pieces: [CT_ESTABLISHED, jump('restore')] }, ...stickyRules, { pieces: [CT_NEW, jump('policies')] }],
    },
    {
      name: 'output',
      base: { type: 'route', hook: 'output' },
      rules: [{ pieces: [CT_ESTABLISHED, jump('restore')] }, { pieces: [CT_NEW, jump('policies')] }],
    },
    { name: 'restore', rules: restore },
    { name: 'policies', rules: policyRules },
    ...policyChains,
    ...markChains,
  ];
}

/** goto the mark chain (it ends with accept); weighted targets: `numgen random mod N vmap`; none: return. */
function actionOf(targets: NftPolicy['targets']): Piece {
  const [first] = targets;
  if (!first) return RETURN;
  if (targets.length === 1) return goto(first.target.chain);
  const total = targets.reduce((sum, t) => sum + t.weight, 0);
  let low = 0;
  const entries = targets.map((t) => {
    const high = low + t.weight - 1;
    const key = low === high ? { text: String(low), json: low as unknown } : { text: `${low}-${high}`, json: { range: [low, high] } as unknown };
    low = high + 1;
    return { text: `${key.text} : goto ${t.target.chain}`, json: [key.json, { goto: { target: t.target.chain } }] };
  });
  return {
    text: `numgen random mod ${total} vmap { ${entries.map((e) => e.text).join(', ')} }`,
    json: { vmap: { key: { numgen: { mode: 'random', mod: total, offset: 0 } }, data: { set: entries.map((e) => e.json) } } },
  };
}

export interface CompiledNft {
  readonly script: string;
  readonly json: readonly unknown[];
}

export function compileNft(input: NftInput): CompiledNft {
  const chains = buildChains(input);
  const family = PBR_NFT_FAMILY;
  const table = PBR_NFT_TABLE;
  const lines = [`table ${family} ${table} {`, '}', `delete table ${family} ${table}`, `table ${family} ${table} {`];
  const json: unknown[] = [{ table: { family, name: table } }];
  chains.forEach((chain, i) => {
    if (i > 0) lines.push('');
    lines.push(`\tchain ${chain.name} {`);
    if (chain.base) lines.push(`\t\ttype ${chain.base.type} hook ${chain.base.hook} priority mangle; policy accept;`);
    for (const rule of chain.rules) lines.push(`\t\t${rule.pieces.map((p) => p.text).join(' ')}`);
    lines.push('\t}');
    json.push({
      chain: { family, table, name: chain.name, ...(chain.base ? { type: chain.base.type, hook: chain.base.hook, prio: -150, policy: 'accept' } : {}) },
    });
  });
  lines.push('}', '');
  for (const chain of chains) {
    for (const rule of chain.rules) json.push({ rule: { family, table, chain: chain.name, expr: rule.pieces.map((p) => p.json) } });
  }
  return { script: lines.join('\n'), json };
}
