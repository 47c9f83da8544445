// The tables iptables knows and the hook, type and priority each built-in chain registers with.
import { NF_PRIORITY, type NfChainType, type NfHook } from '../model/netfilter.ts';

export interface BuiltinChain {
  readonly hook: NfHook;
  readonly type: NfChainType;
  readonly priority: number;
}

const hooked = (hook: NfHook, priority: number, type: NfChainType = 'filter'): BuiltinChain => ({ hook, type, priority });

// mirrors the *_VALID_HOOKS and NF_IP_PRI_* of iptable_{raw,mangle,nat,filter,security}.c and nf_nat_proto.c
export const IPTABLES_BUILTIN_CHAINS: Readonly<Record<string, Readonly<Record<string, BuiltinChain>>>> = {
  raw: {
    PREROUTING: hooked('prerouting', NF_PRIORITY.raw),
    OUTPUT: hooked('output', NF_PRIORITY.raw),
  },
  mangle: {
    PREROUTING: hooked('prerouting', NF_PRIORITY.mangle),
    INPUT: hooked('input', NF_PRIORITY.mangle),
    FORWARD: hooked('forward', NF_PRIORITY.mangle),
    // ipt_mangle_out() reroutes when mark, addresses or tos changed (spec §9.1)
    OUTPUT: hooked('output', NF_PRIORITY.mangle, 'route'),
    POSTROUTING: hooked('postrouting', NF_PRIORITY.mangle),
  },
  nat: {
    PREROUTING: hooked('prerouting', NF_PRIORITY.dstnat, 'nat'),
    INPUT: hooked('input', NF_PRIORITY.srcnat, 'nat'),
    OUTPUT: hooked('output', NF_PRIORITY.dstnat, 'nat'),
    POSTROUTING: hooked('postrouting', NF_PRIORITY.srcnat, 'nat'),
  },
  filter: {
    INPUT: hooked('input', NF_PRIORITY.filter),
    FORWARD: hooked('forward', NF_PRIORITY.filter),
    OUTPUT: hooked('output', NF_PRIORITY.filter),
  },
  security: {
    INPUT: hooked('input', NF_PRIORITY.security),
    FORWARD: hooked('forward', NF_PRIORITY.security),
    OUTPUT: hooked('output', NF_PRIORITY.security),
  },
};

export function isIptablesTable(name: string): boolean {
  return Object.hasOwn(IPTABLES_BUILTIN_CHAINS, name);
}

export function builtinChain(table: string, chain: string): BuiltinChain | undefined {
  const chains = IPTABLES_BUILTIN_CHAINS[table];
  return chains !== undefined && Object.hasOwn(chains, chain) ? chains[chain] : undefined;
}
