// The base chains one hook runs for a packet, in the kernel's order.
import type { NetfilterRuleset, NfFamily, NfHook } from '../../model/netfilter.ts';
import type { HookedChain } from './chain-branch.ts';

/** Table families whose base chains see packets of an IP family (netdev and inet ingress only on their device). */
function familySeesPacket(tableFamily: NfFamily, family: 4 | 6): boolean {
  if (tableFamily === 'inet') return true;
  return tableFamily === (family === 4 ? 'ip' : 'ip6');
}

/**
 * Base chains on `hook` for an IPv4 (`ip`, `inet`) or IPv6 (`ip6`, `inet`) packet, by ascending priority.
 * Device-bound chains (netdev, inet ingress/egress) count only when `device` is theirs.
 * Equal priorities run the chain registered last first (mirrors nf_hook_entries_grow(), net/netfilter/core.c,
 * which inserts a new hook before the first of equal priority; checked on 6.18 with five chains at priority 0).
 * `nft list ruleset` lists tables and chains in creation order, so ties come out in reverse listing order.
 */
export function hookedChains(ruleset: NetfilterRuleset, family: 4 | 6, hook: NfHook, device?: string): HookedChain[] {
  const hooked: HookedChain[] = [];
  for (const table of ruleset.tables) {
    const netdev = table.family === 'netdev';
    if (!netdev && !familySeesPacket(table.family, family)) continue;
    for (const chain of table.chains) {
      const base = chain.base;
      if (!base || base.hook !== hook) continue;
      const deviceBound = netdev || base.hook === 'ingress' || base.hook === 'egress';
      if (deviceBound && (device === undefined || base.device !== device)) continue;
      hooked.push({ table, chain });
    }
  }
  // Array.prototype.sort is stable: reversing first puts the last-listed of equal priorities first.
  return hooked.reverse().sort((a, b) => (a.chain.base?.priority ?? 0) - (b.chain.base?.priority ?? 0));
}
