// pbr's nft table as the model reads it, compared structurally, and an old `inet pbr` table as a script again.
import type { DesiredNft } from '../model/desired-state.ts';
import type { NetworkState } from '../model/network-state.ts';
import type { NfChain, NfTable } from '../model/netfilter.ts';
import { parseNftRuleset } from '../parse/nft-json.ts';
import { PBR_NFT_FAMILY, PBR_NFT_TABLE } from './ownership.ts';

/** The desired table through the same parser a snapshot's `nft -j list ruleset` goes through. */
export function desiredNftTable(nft: DesiredNft): NfTable | undefined {
  const parsed = parseNftRuleset(JSON.stringify({ nftables: nft.json }), 'pbr:inet pbr');
  return parsed.value.find((t) => t.family === nft.family && t.name === nft.name);
}

export function livePbrTable(state: NetworkState): NfTable | undefined {
  return state.netfilter?.tables.find((t) => t.origin === 'nft' && t.family === PBR_NFT_FAMILY && t.name === PBR_NFT_TABLE);
}

const bigintAsText = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? `${value}n` : value);

/** What the kernel runs: chains, their hooks, and each rule's statements (not handles, texts or sources). */
function tableShape(table: NfTable): string {
  const chain = (c: NfChain): unknown => ({ name: c.name, base: c.base ?? null, rules: c.rules.map((r) => r.statements) });
  return JSON.stringify({ chains: table.chains.map(chain), sets: table.sets }, bigintAsText);
}

export function sameNftTable(a: NfTable, b: NfTable): boolean {
  return tableShape(a) === tableShape(b);
}

/** An `nft -f` script that replaces `inet pbr` by `table` as it was (its rules as nft printed them). */
export function restoreNftScript(table: NfTable): string {
  const lines = [`table ${table.family} ${table.name} {`, '}', `delete table ${table.family} ${table.name}`, `table ${table.family} ${table.name} {`];
  table.chains.forEach((c, i) => {
    if (i > 0) lines.push('');
    lines.push(`\tchain ${c.name} {`);
    if (c.base) lines.push(`\t\ttype ${c.base.type} hook ${c.base.hook} priority ${c.base.priority}; policy ${c.base.policy};`);
    for (const r of c.rules) lines.push(`\t\t${r.text}`);
    lines.push('\t}');
  });
  lines.push('}', '');
  return lines.join('\n');
}
