// mark-bits-overlap: pbr's fwmark bits overlap marks other software on the host sets, clears or reads.
import { DEFAULT_INTENT_OPTIONS } from '../../intent/parse-options.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NfTable } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { isPbrRule, PBR_NFT_FAMILY, PBR_NFT_TABLE } from '../../plan/ownership.ts';
import { MARK_ALL, changedBitsOf, claimedBitsOf, collectMarkUses, describePlace, hex, possibleMarkBits, ruleMarkSelector, type MarkPlace } from '../mark-bits.ts';
import { describeRule, ruleObject } from '../rule-text.ts';

const ID = 'mark-bits-overlap';

function isPbrTable(table: NfTable): boolean {
  return table.origin === 'nft' && table.family === PBR_NFT_FAMILY && table.name === PBR_NFT_TABLE;
}

/** the mask of the intent; else the bits pbr's own table changes, or pbr's default; undefined without pbr */
function pbrMask(state: NetworkState, intentMask: number | undefined): bigint | undefined {
  if (intentMask !== undefined) return BigInt(intentMask >>> 0);
  const own = state.netfilter?.tables.filter(isPbrTable) ?? [];
  if (own.length === 0) return undefined;
  const { writes } = collectMarkUses({ tables: own });
  const changed = writes.reduce((acc, w) => (w.exact && w.value !== 'any' ? acc | changedBitsOf(w.target, w.value) : acc), 0n);
  return changed !== 0n && changed !== MARK_ALL ? changed : BigInt(DEFAULT_INTENT_OPTIONS.markMask);
}

interface Use {
  readonly object: string;
  readonly what: string;
  readonly bits: bigint;
}

function foreignUses(state: NetworkState): Use[] {
  const uses: Use[] = [];
  for (const rule of [...state.rules4, ...state.rules6]) {
    const sel = ruleMarkSelector(rule);
    // a full-mask fwmark looks for one value: it claims the value's bits
    if (sel && !isPbrRule(rule)) uses.push({ object: ruleObject(rule), what: `${describeRule(state, rule)} matches fwmark bits`, bits: sel.mask === MARK_ALL ? sel.value : sel.mask });
  }
  const foreign = state.netfilter?.tables.filter((t) => !isPbrTable(t)) ?? [];
  const { writes, reads } = collectMarkUses({ tables: foreign });
  const at = (place: MarkPlace): string => `${describePlace(place)} ("${place.rule.text}")`;
  const add = (place: MarkPlace, verb: string, bits: bigint): void => {
    const object = describePlace(place);
    const prev = uses.findIndex((u) => u.object === object && u.what.endsWith(verb));
    const before = uses[prev];
    if (before) uses[prev] = { ...before, bits: before.bits | bits };
    else uses.push({ object, what: `${at(place)} ${verb}`, bits });
  };
  const possible = possibleMarkBits(writes);
  for (const w of writes) if (w.exact && w.target === 'meta') add(w.place, 'changes meta mark bits', claimedBitsOf(w, possible));
  for (const r of reads) if (r.exact && r.from === 'meta') add(r.place, 'reads meta mark bits', r.bits === MARK_ALL && r.compared !== undefined ? r.compared : r.bits);
  return uses;
}

/** a run of `width` bits, as high as possible, that none of `used` touches */
function freeRun(width: number, used: bigint): bigint | undefined {
  const run = (1n << BigInt(width)) - 1n;
  for (let shift = 32 - width; shift >= 0; shift--) {
    const candidate = run << BigInt(shift);
    if ((candidate & used) === 0n) return candidate;
  }
  return undefined;
}

function popcount(bits: bigint): number {
  return bits.toString(2).replaceAll('0', '').length;
}

export const check: LintCheck = {
  id: ID,
  severity: 'error',
  title: "pbr's mark bits overlap marks used by other software on the host",
  run({ state, intent }) {
    const mask = pbrMask(state, intent?.options.markMask);
    if (mask === undefined) return [];
    const uses = foreignUses(state);
    const used = uses.reduce((acc, u) => acc | u.bits, 0n);
    const free = freeRun(popcount(mask), used);
    const suggestion = free === undefined ? 'no run of as many bits is free; narrow pbr\'s mask or move the other software\'s marks' : `e.g. \`mark_mask: ${hex(free)}\`, which nothing else on this host uses`;
    const findings: LintFinding[] = [];
    for (const u of uses) {
      const overlap = u.bits & mask;
      if (overlap === 0n) continue;
      findings.push({
        id: ID,
        severity: 'error',
        message: `${u.what} ${hex(u.bits)}, which overlap pbr's mark bits ${hex(mask)} in ${hex(overlap)}: one side's marks change or defeat the other's routing`,
        hint: `give pbr bits no other software uses with options.mark_mask in pbr.yaml (${suggestion}) and apply again, or change the other software's mark`,
        objects: [u.object],
      });
    }
    return findings;
  },
};
