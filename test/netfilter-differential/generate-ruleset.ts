// Seeded random mangle rule sets: marks, ct marks with masks, interface names with wildcards,
// protocols, port ranges, ct state/direction; mark and ct mark arithmetic; jumps, gotos, returns,
// accepts and drops. One seed gives one rule set in one syntax.
import { createRandom, type Random } from '../differential/prng.ts';
import { PROBE_PORTS } from './lab-topology.ts';
import type {
  Action, BaseChainSpec, CtStateWord, GenChain, GenRule, GenRuleset, GenTable, Hook, Match, MarkOption, Syntax, Verdict,
} from './ruleset-types.ts';

const MARK_VALUES = [0x0, 0x1, 0x2, 0x3, 0x1, 0x2, 0x1, 0x2, 0x4, 0x5, 0x10, 0x11, 0x12, 0x13, 0x100, 0x101, 0x102, 0xff, 0xf0f0f0f1, 0x80000002];
const MASKS = [0x1, 0x2, 0x3, 0x3, 0x3, 0xf, 0xff, 0xff00, 0xfff0, 0xffff, 0xfffffffc, 0xffffffff, 0xffffffff, 0x13];
const IFNAMES = ['lan', 'up1', 'up2', 'up3', 'up*', 'up*', 'l*', 'wan9'];
const CT_STATES: readonly (readonly CtStateWord[])[] = [['new'], ['new'], ['established'], ['established', 'related'], ['related'], ['invalid'], ['new', 'established']];

const NFT_CHAIN_NAMES: Readonly<Record<Hook, string>> = { prerouting: 'pre', input: 'in', forward: 'forw', output: 'out', postrouting: 'post' };
/** iptables-restore built-in chain names. */
export const IPTABLES_CHAIN_NAMES: Readonly<Record<Hook, string>> = {
  prerouting: 'PREROUTING', input: 'INPUT', forward: 'FORWARD', output: 'OUTPUT', postrouting: 'POSTROUTING',
};
const HOOKS: readonly Hook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting'];

/** Which interface words a chain's rules may use in iptables (user chains may use both). */
function iptablesAllows(hook: Hook | undefined, kind: 'iifname' | 'oifname'): boolean {
  if (hook === undefined) return true;
  if (kind === 'iifname') return hook !== 'output' && hook !== 'postrouting';
  return hook !== 'prerouting' && hook !== 'input';
}

export function generateRuleset(seed: number, syntax: Syntax): GenRuleset {
  const rnd = createRandom(seed);
  const tables = syntax === 'nft' ? generateNftTables(rnd) : [generateIptablesTable(rnd)];
  return { syntax, seed, tables };
}

/** Even run indices give nft, odd ones iptables, so a run exercises both parsers equally. */
export function syntaxForIndex(index: number): Syntax {
  return index % 2 === 0 ? 'nft' : 'iptables';
}

function generateNftTables(rnd: Random): GenTable[] {
  const userCount = rnd.int(0, 3);
  const users = Array.from({ length: userCount }, (_, i) => `u${i}`);
  const hooks = HOOKS.filter((h) => h === 'prerouting' || h === 'output' || rnd.chance(0.45));
  const main: GenChain[] = hooks.map((hook) => baseChain(rnd, 'nft', NFT_CHAIN_NAMES[hook], {
    hook,
    type: hook === 'output' && rnd.chance(0.7) ? 'route' : 'filter',
    priority: -150,
    policy: rnd.chance(0.04) ? 'drop' : 'accept',
  }, users));
  const tables: GenTable[] = [{ family: 'ip', name: 'pbrm', chains: [...main, ...userChains(rnd, 'nft', users)] }];
  if (rnd.chance(0.35)) {
    const second = rnd.sample(['prerouting', 'output', 'postrouting', 'forward', 'input'] as const, rnd.int(1, 2));
    const users2 = rnd.chance(0.5) ? ['v0'] : [];
    const chains = second.map((hook) => baseChain(rnd, 'nft', `${NFT_CHAIN_NAMES[hook]}2`, {
      hook,
      type: hook === 'output' && rnd.chance(0.6) ? 'route' : 'filter',
      priority: rnd.pick([-160, -140, 0, 10]),
      policy: rnd.chance(0.03) ? 'drop' : 'accept',
    }, users2));
    tables.push({ family: 'inet', name: 'pbrm2', chains: [...chains, ...userChains(rnd, 'nft', users2)] });
  }
  return tables;
}

function generateIptablesTable(rnd: Random): GenTable {
  const users = Array.from({ length: rnd.int(0, 3) }, (_, i) => `u${i}`);
  const hooks = HOOKS.filter((h) => h === 'prerouting' || h === 'output' || rnd.chance(0.45));
  const chains = hooks.map((hook) => baseChain(rnd, 'iptables', IPTABLES_CHAIN_NAMES[hook], {
    hook, type: hook === 'output' ? 'route' : 'filter', priority: -150, policy: rnd.chance(0.04) ? 'drop' : 'accept',
  }, users));
  return { family: 'ip', name: 'mangle', chains: [...chains, ...userChains(rnd, 'iptables', users)] };
}

function baseChain(rnd: Random, syntax: Syntax, name: string, base: BaseChainSpec, users: readonly string[]): GenChain {
  const rules = Array.from({ length: rnd.int(0, 6) }, () => generateRule(rnd, syntax, base.hook, users));
  return { name, base, rules };
}

function userChains(rnd: Random, syntax: Syntax, users: readonly string[]): GenChain[] {
  // a chain may only jump to chains after it, so there are no loops
  return users.map((name, i) => ({
    name,
    rules: Array.from({ length: rnd.int(1, 4) }, () => generateRule(rnd, syntax, undefined, users.slice(i + 1))),
  }));
}

function generateRule(rnd: Random, syntax: Syntax, hook: Hook | undefined, targets: readonly string[]): GenRule {
  const matches = generateMatches(rnd, syntax, hook);
  const verdict = generateVerdict(rnd, hook, targets, matches.length > 0);
  if (syntax === 'iptables') {
    // one target per rule: an action (MARK/CONNMARK) or a verdict
    if (verdict === undefined && rnd.chance(0.8)) return { matches, actions: [generateIptablesAction(rnd)] };
    return verdict === undefined ? { matches, actions: [] } : { matches, actions: [], verdict };
  }
  const actions = Array.from({ length: rnd.weighted([[2, 0], [5, 1], [2, 2]] as const) }, () => generateNftAction(rnd));
  const counter = rnd.chance(0.1);
  return { matches, actions, ...(verdict === undefined ? {} : { verdict }), ...(counter ? { counter } : {}) };
}

function generateVerdict(rnd: Random, hook: Hook | undefined, targets: readonly string[], conditional: boolean): Verdict | undefined {
  const choices: [number, () => Verdict | undefined][] = [
    [55, () => undefined],
    [conditional ? 7 : 2, () => ({ kind: 'accept' })],
    // an unconditional drop would silence every later probe of its hook
    [conditional ? 4 : 0, () => ({ kind: 'drop' })],
    [hook === undefined ? 12 : 3, () => ({ kind: 'return' })],
  ];
  if (targets.length > 0) {
    choices.push([18, () => ({ kind: 'jump', chain: rnd.pick(targets) })]);
    choices.push([6, () => ({ kind: 'goto', chain: rnd.pick(targets) })]);
  }
  return rnd.weighted(choices)();
}

function generateMatches(rnd: Random, syntax: Syntax, hook: Hook | undefined): Match[] {
  const out: Match[] = [];
  const count = rnd.weighted([[4, 0], [5, 1], [3, 2], [1, 3]] as const);
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const kind = rnd.weighted([[5, 'mark'], [4, 'ctmark'], [3, 'iifname'], [3, 'oifname'], [2, 'proto'], [4, 'dport'], [3, 'ctstate'], [2, 'ctdir']] as const);
    if (used.has(kind)) continue;
    if (syntax === 'iptables' && (kind === 'iifname' || kind === 'oifname') && !iptablesAllows(hook, kind)) continue;
    if (kind === 'dport') {
      if (used.has('proto')) continue;
      const proto = syntax === 'nft' ? rnd.weighted([[3, 'tcp'], [2, 'udp'], [2, 'th']] as const) : rnd.pick(['tcp', 'udp'] as const);
      // iptables needs -p before --dport; nft `tcp dport` implies the protocol
      if (proto !== 'th' && syntax === 'iptables') out.push({ kind: 'proto', proto, form: 'l4proto' });
      out.push({ kind: 'dport', proto, ranges: generatePortRanges(rnd, syntax), negate: rnd.chance(0.2) });
      used.add('proto');
    } else if (kind === 'proto') {
      if (used.has('dport')) continue;
      out.push({ kind: 'proto', proto: rnd.pick(['tcp', 'udp'] as const), form: rnd.pick(['l4proto', 'ip-protocol'] as const) });
    } else {
      out.push(generateMatch(rnd, syntax, kind));
    }
    used.add(kind);
  }
  return out;
}

function generatePortRanges(rnd: Random, syntax: Syntax): [number, number][] {
  const n = rnd.weighted([[6, 1], [2, 2], [1, 3]] as const);
  const ports = [...PROBE_PORTS].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = rnd.int(0, ports.length - 1);
    const b = rnd.chance(0.5) ? a : rnd.int(a, Math.min(ports.length - 1, a + 2));
    const low = (ports[a] as number) + (rnd.chance(0.2) ? 1 : 0);
    const high = Math.max(low, (ports[b] as number) - (rnd.chance(0.2) && b > a ? 1 : 0));
    if (ranges.some(([l, h]) => low <= h && l <= high)) continue;
    ranges.push([low, high]);
  }
  // iptables multiport takes at most 15 ports (a range counts twice); ours stay well below
  return syntax === 'iptables' ? ranges.slice(0, 3) : ranges;
}

function generateMatch(rnd: Random, syntax: Syntax, kind: 'mark' | 'ctmark' | 'iifname' | 'oifname' | 'ctstate' | 'ctdir'): Match {
  switch (kind) {
    case 'mark':
    case 'ctmark': {
      const mask = rnd.pick(MASKS);
      const n = syntax === 'nft' && mask === 0xffffffff && rnd.chance(0.25) ? rnd.int(2, 3) : 1;
      const values = [...new Set(Array.from({ length: n }, () => pickMarkMatchValue(rnd, mask)))];
      return { kind, values, mask, negate: rnd.chance(0.2) };
    }
    case 'iifname':
    case 'oifname': {
      const n = syntax === 'nft' && rnd.chance(0.2) ? 2 : 1;
      return { kind, names: rnd.sample(IFNAMES, n).filter((x, i, a) => a.indexOf(x) === i), negate: rnd.chance(0.25) };
    }
    case 'ctstate':
      return { kind, states: rnd.pick(CT_STATES), negate: rnd.chance(0.15), form: rnd.chance(0.3) ? 'state' : 'conntrack' };
    case 'ctdir':
      return { kind, dir: rnd.chance(0.5) ? 'original' : 'reply' };
  }
}

/** A value that can match under `mask` most of the time (a value with bits outside the mask never matches). */
function pickMarkMatchValue(rnd: Random, mask: number): number {
  const v = rnd.pick(MARK_VALUES);
  return (rnd.chance(0.85) ? v & mask : v) >>> 0;
}

function generateNftAction(rnd: Random): Action {
  const target = rnd.chance(0.6) ? 'mark' : 'ctmark';
  const source = rnd.weighted([[5, 'const'], [target === 'mark' ? 2 : 3, 'mark'], [target === 'mark' ? 3 : 1, 'ctmark']] as const);
  const opCount = source === 'const' ? 0 : rnd.weighted([[3, 0], [4, 1], [2, 2]] as const);
  const ops = Array.from({ length: opCount }, () => {
    const op = rnd.pick(['and', 'or', 'xor'] as const);
    return { op, value: op === 'and' ? rnd.pick(MASKS) : rnd.pick(MARK_VALUES) };
  });
  return { kind: 'nft-set', target, source, value: source === 'const' ? rnd.pick(MARK_VALUES) : 0, ops };
}

function generateIptablesAction(rnd: Random): Action {
  const kind = rnd.weighted([[5, 'MARK'], [3, 'CONNMARK'], [2, 'CONNMARK-save'], [3, 'CONNMARK-restore']] as const);
  if (kind === 'CONNMARK-save' || kind === 'CONNMARK-restore') {
    return rnd.weighted<Action>([
      [3, { kind }],
      [2, { kind, mask: rnd.pick(MASKS) }],
      [2, { kind, nfmask: rnd.pick(MASKS), ctmask: rnd.pick(MASKS) }],
    ]);
  }
  const option: MarkOption = rnd.weighted([[4, 'set-mark'], [3, 'set-xmark'], [1, 'and-mark'], [2, 'or-mark'], [1, 'xor-mark']] as const);
  const value = option === 'and-mark' ? rnd.pick(MASKS) : rnd.pick(MARK_VALUES);
  if ((option === 'set-mark' || option === 'set-xmark') && rnd.chance(0.5)) return { kind, option, value, mask: rnd.pick(MASKS) };
  return { kind, option, value };
}
