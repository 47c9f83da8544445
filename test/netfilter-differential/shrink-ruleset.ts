// Delta-debugging of a disagreement: remove rules (halving chunks, then one by one), then single
// matches and statements, while the same probe still disagrees.
import { ruleAddresses, withoutIdleChains, withoutRules, type GenRule, type GenRuleset } from './ruleset-types.ts';

export type RulesetTrial = (candidate: GenRuleset) => Promise<boolean>;

export interface ShrunkRuleset {
  readonly ruleset: GenRuleset;
  readonly trials: number;
}

export async function shrinkRuleset(start: GenRuleset, reproduces: RulesetTrial, maxTrials = 200): Promise<ShrunkRuleset> {
  let current = start;
  let trials = 0;
  const attempt = async (candidate: GenRuleset): Promise<boolean> => {
    if (trials >= maxTrials) return false;
    trials++;
    return reproduces(candidate);
  };
  let chunk = Math.max(1, Math.floor(ruleAddresses(current).length / 2));
  for (;;) {
    let progress = false;
    for (let i = 0; trials < maxTrials; ) {
      const addresses = ruleAddresses(current);
      if (i >= addresses.length) break;
      const candidate = withoutIdleChains(withoutRules(current, addresses.slice(i, i + chunk)));
      if (await attempt(candidate)) {
        current = candidate;
        progress = true;
      } else {
        i += chunk;
      }
    }
    if (trials >= maxTrials) break;
    if (chunk > 1) chunk = Math.max(1, Math.floor(chunk / 2));
    else if (!progress) break;
  }
  // then the parts of each remaining rule
  for (const address of ruleAddresses(current)) {
    for (const part of ['matches', 'actions'] as const) {
      for (let k = 0; trials < maxTrials; ) {
        const rule = current.tables[address.table]?.chains[address.chain]?.rules[address.rule];
        if (!rule || k >= rule[part].length) break;
        const smaller: GenRule = { ...rule, [part]: rule[part].filter((_, j) => j !== k) };
        const candidate = replaceRule(current, address.table, address.chain, address.rule, smaller);
        if (await attempt(candidate)) current = candidate;
        else k++;
      }
    }
  }
  return { ruleset: current, trials };
}

function replaceRule(ruleset: GenRuleset, table: number, chain: number, index: number, rule: GenRule): GenRuleset {
  return {
    ...ruleset,
    tables: ruleset.tables.map((t, ti) => (ti !== table ? t : {
      ...t,
      chains: t.chains.map((c, ci) => (ci !== chain ? c : { ...c, rules: c.rules.map((r, ri) => (ri === index ? rule : r)) })),
    })),
  };
}
