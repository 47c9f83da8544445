// A generated mangle rule set, independent of syntax: the generator writes it, the renderers turn it
// into an `nft -f` script or an `iptables-restore` file, the shrinker removes rules from it.

export type Syntax = 'nft' | 'iptables';

export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

export type CtStateWord = 'new' | 'established' | 'related' | 'invalid';

export type Match =
  /** `meta mark and MASK == VALUE` / `-m mark --mark VALUE/MASK`; `values` > 1 is an nft anonymous set */
  | { readonly kind: 'mark' | 'ctmark'; readonly values: readonly number[]; readonly mask: number; readonly negate: boolean }
  /** `iifname "up*"` / `-i up+`; `names` > 1 is an nft anonymous set */
  | { readonly kind: 'iifname' | 'oifname'; readonly names: readonly string[]; readonly negate: boolean }
  | { readonly kind: 'proto'; readonly proto: 'tcp' | 'udp'; readonly form: 'l4proto' | 'ip-protocol' }
  /** ranges `[low, high]`; several is an nft set or `-m multiport --dports`; `th` (nft only) is any transport header */
  | { readonly kind: 'dport'; readonly proto: 'tcp' | 'udp' | 'th'; readonly ranges: readonly (readonly [number, number])[]; readonly negate: boolean }
  | { readonly kind: 'ctstate'; readonly states: readonly CtStateWord[]; readonly negate: boolean; readonly form: 'conntrack' | 'state' }
  | { readonly kind: 'ctdir'; readonly dir: 'original' | 'reply' };

export type MarkOption = 'set-mark' | 'set-xmark' | 'and-mark' | 'or-mark' | 'xor-mark';

export type Action =
  /** nft `TARGET set SOURCE [and|or|xor CONST]…`: target meta mark or ct mark, source a constant, meta mark or ct mark */
  | {
      readonly kind: 'nft-set';
      readonly target: 'mark' | 'ctmark';
      readonly source: 'const' | 'mark' | 'ctmark';
      readonly value: number;
      readonly ops: readonly { readonly op: 'and' | 'or' | 'xor'; readonly value: number }[];
    }
  /** iptables `-j MARK` / `-j CONNMARK` with one of the value options; `mask` only for set-mark/set-xmark */
  | { readonly kind: 'MARK' | 'CONNMARK'; readonly option: MarkOption; readonly value: number; readonly mask?: number }
  /** iptables `-j CONNMARK --save-mark|--restore-mark [--mask M | --nfmask N --ctmask C]` */
  | { readonly kind: 'CONNMARK-save' | 'CONNMARK-restore'; readonly mask?: number; readonly nfmask?: number; readonly ctmask?: number };

export type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'return' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string };

export interface GenRule {
  readonly matches: readonly Match[];
  /** nft: any number of statements; iptables: at most one (the target), and then no verdict */
  readonly actions: readonly Action[];
  readonly verdict?: Verdict;
  /** nft only: a `counter` statement before the actions */
  readonly counter?: boolean;
}

export interface BaseChainSpec {
  readonly hook: Hook;
  /** nft only: `route` (reroutes on output) or `filter` */
  readonly type: 'filter' | 'route';
  readonly priority: number;
  readonly policy: 'accept' | 'drop';
}

export interface GenChain {
  readonly name: string;
  readonly base?: BaseChainSpec;
  readonly rules: readonly GenRule[];
}

export interface GenTable {
  /** nft family; iptables rule sets have one table, `mangle` */
  readonly family: 'ip' | 'inet';
  readonly name: string;
  readonly chains: readonly GenChain[];
}

export interface GenRuleset {
  readonly syntax: Syntax;
  readonly seed: number;
  readonly tables: readonly GenTable[];
}

/** Every rule of a rule set with its address, in order (what the shrinker removes one by one). */
export interface RuleAddress {
  readonly table: number;
  readonly chain: number;
  readonly rule: number;
}

export function ruleAddresses(ruleset: GenRuleset): RuleAddress[] {
  const out: RuleAddress[] = [];
  ruleset.tables.forEach((t, ti) => t.chains.forEach((c, ci) => c.rules.forEach((_, ri) => out.push({ table: ti, chain: ci, rule: ri }))));
  return out;
}

export function countRules(ruleset: GenRuleset): number {
  return ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
}

/** The rule set without the rules at `drop` (chains stay, so jumps stay valid). */
export function withoutRules(ruleset: GenRuleset, drop: readonly RuleAddress[]): GenRuleset {
  const key = (a: RuleAddress): string => `${a.table}/${a.chain}/${a.rule}`;
  const gone = new Set(drop.map(key));
  return {
    ...ruleset,
    tables: ruleset.tables.map((t, ti) => ({
      ...t,
      chains: t.chains.map((c, ci) => ({ ...c, rules: c.rules.filter((_, ri) => !gone.has(key({ table: ti, chain: ci, rule: ri }))) })),
    })),
  };
}

/** The rule set without regular chains no rule jumps to and without empty accept-policy base chains (to a fixed point). */
export function withoutIdleChains(ruleset: GenRuleset): GenRuleset {
  const tables = ruleset.tables.map((t) => {
    let chains = t.chains;
    for (;;) {
      const targets = new Set(chains.flatMap((c) => c.rules.flatMap((r) => (r.verdict?.kind === 'jump' || r.verdict?.kind === 'goto' ? [r.verdict.chain] : []))));
      const kept = chains.filter((c) => (c.base ? c.rules.length > 0 || c.base.policy === 'drop' : targets.has(c.name)));
      if (kept.length === chains.length) return { ...t, chains: kept };
      chains = kept;
    }
  });
  return { ...ruleset, tables: tables.filter((t) => t.chains.length > 0) };
}
