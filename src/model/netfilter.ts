// Netfilter rule sets (nftables and iptables alike) in one vendor-independent form.
// Rules are ordered lists of expressions, as nftables evaluates them: a match that fails ends the
// rule, statements run in order, a verdict ends the chain. iptables rules are translated into the
// same form (matches first, then the target), so one evaluator serves both.
import type { SourceLocation } from './diagnostics.ts';

/** nftables address families; iptables tables are `ip`, ip6tables tables are `ip6`. */
export type NfFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export type NfHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

/** `route` chains (and iptables mangle OUTPUT) reroute a locally generated packet whose mark, addresses or tos changed. */
export type NfChainType = 'filter' | 'route' | 'nat';

/** Where a table came from: `nft -j list ruleset`, `iptables-save` or `ip6tables-save`. */
export type NfOrigin = 'nft' | 'iptables' | 'ip6tables';

/**
 * A runtime value: numbers (marks, ports, protocols, addresses — IPv4 as 32 bits, IPv6 as 128 bits,
 * ct state as the kernel's bit set) are bigints; interface names are strings.
 */
export type NfLiteral = bigint | string;

/** Keys of `meta` the evaluator knows. Anything else is an `unknown` expression. */
export type NfMetaKey =
  | 'mark'
  | 'iifname'
  | 'oifname'
  | 'iif'
  | 'oif'
  | 'l4proto'
  | 'nfproto'
  | 'protocol'
  | 'skuid'
  | 'skgid'
  | 'pkttype'
  | 'length'
  | 'priority'
  | 'random';

/** Keys of `ct`. `state` and `status` are bit sets (see CT_STATE_BITS / CT_STATUS_BITS). */
export type NfCtKey = 'mark' | 'state' | 'direction' | 'status' | 'saddr' | 'daddr' | 'proto-src' | 'proto-dst' | 'l3proto' | 'protocol';

/** nftables' ct state bits (NF_CT_STATE_*): invalid, established, related, new, untracked. */
export const CT_STATE_BITS = { invalid: 1n, established: 2n, related: 4n, new: 8n, untracked: 64n } as const;
/** ct status bits used in policy-routing rules (IPS_* of nf_conntrack_common.h). */
export const CT_STATUS_BITS = { expected: 1n, seen_reply: 2n, assured: 4n, confirmed: 8n, snat: 16n, dnat: 32n, dying: 512n } as const;
/** ct direction values (IP_CT_DIR_*). */
export const CT_DIRECTION = { original: 0n, reply: 1n } as const;

/** A value-producing expression (nft's "left-hand side", also the value of a `set` statement). */
export type NfExpr =
  | { readonly kind: 'const'; readonly value: NfLiteral }
  | { readonly kind: 'meta'; readonly key: NfMetaKey }
  | { readonly kind: 'ct'; readonly key: NfCtKey; readonly dir?: 'original' | 'reply' }
  /** a header field: protocol ip|ip6|tcp|udp|sctp|th|icmp|icmpv6, field saddr|daddr|protocol|nexthdr|dscp|sport|dport|type|… */
  | { readonly kind: 'payload'; readonly protocol: string; readonly field: string }
  /** `numgen random|inc mod N offset O`: one of N values; the evaluator gives each its probability */
  | { readonly kind: 'numgen'; readonly mode: 'random' | 'inc'; readonly mod: number; readonly offset: number }
  /** `jhash`/`symhash … mod N`: depends on a hash the snapshot cannot reproduce; every value is possible */
  | { readonly kind: 'hash'; readonly mode: 'jhash' | 'symhash'; readonly mod: number; readonly offset: number; readonly text: string }
  | { readonly kind: 'binop'; readonly op: '&' | '|' | '^' | '<<' | '>>'; readonly left: NfExpr; readonly right: NfExpr }
  | { readonly kind: 'concat'; readonly parts: readonly NfExpr[] }
  /** lookup of `key` in a map; yields the element's data */
  | { readonly kind: 'map'; readonly key: NfExpr; readonly map: NfSetSource }
  /** an expression pbr does not model; `text` says what it was */
  | { readonly kind: 'unknown'; readonly text: string };

/** One element of a set or a pattern: a value, a range, a prefix, or a concatenation of those. */
export type NfElement =
  | { readonly kind: 'value'; readonly value: NfLiteral }
  | { readonly kind: 'range'; readonly low: bigint; readonly high: bigint }
  /** `width` is the bit width of the value (32 for IPv4, 128 for IPv6) */
  | { readonly kind: 'prefix'; readonly value: bigint; readonly length: number; readonly width: number }
  | { readonly kind: 'concat'; readonly parts: readonly NfElement[] };

export type NfVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'return' }
  | { readonly kind: 'queue' }
  | { readonly kind: 'jump'; readonly chain: string }
  | { readonly kind: 'goto'; readonly chain: string };

export interface NfMapEntry {
  readonly key: NfElement;
  /** absent in a plain set */
  readonly data?: NfLiteral | NfVerdict;
}

/** The right-hand side of a set lookup: an anonymous set/map written in the rule, or a named one. */
export type NfSetSource =
  | { readonly kind: 'anonymous'; readonly entries: readonly NfMapEntry[] }
  | { readonly kind: 'named'; readonly name: string };

/** What a match compares against. `flags` is a bit test: true when (value AND mask) ≠ 0. */
export type NfPattern =
  | { readonly kind: 'element'; readonly element: NfElement }
  | { readonly kind: 'set'; readonly set: NfSetSource }
  | { readonly kind: 'flags'; readonly mask: bigint };

export type NfMatchOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

/** One expression of a rule, evaluated in order. */
export type NfStatement =
  /**
   * the rule goes on only when `left op right` holds; `!=` with a set or flags means "not in".
   * `ifAbsent: 'match'`: the match also holds when `left` has nothing to load, where nft would break the rule
   * (iptables `! --uid-owner`/`! --gid-owner` on a packet without a socket, mirrors owner_mt(), xt_owner.c).
   */
  | { readonly kind: 'match'; readonly left: NfExpr; readonly op: NfMatchOp; readonly right: NfPattern; readonly ifAbsent?: 'match' }
  /** iptables `-m statistic --mode random --probability P`: matches with probability P */
  | { readonly kind: 'chance'; readonly probability: number }
  /** iptables `-m statistic --mode nth --every N --packet P`: one packet in N, which one depends on a counter */
  | { readonly kind: 'nth'; readonly every: number; readonly packet: number }
  /** `meta mark set …`, `ct mark set …`, `ip dscp set …`, MARK, CONNMARK */
  | { readonly kind: 'set'; readonly target: NfExpr; readonly value: NfExpr }
  | { readonly kind: 'verdict'; readonly verdict: NfVerdict }
  /** `reject [with …]`: drops and answers with an ICMP error or a TCP reset */
  | { readonly kind: 'reject'; readonly with?: string }
  /** `… vmap { key : verdict }`: the verdict of the element `key` finds; no element, no verdict */
  | { readonly kind: 'vmap'; readonly key: NfExpr; readonly map: NfSetSource }
  /** snat/dnat/masquerade/redirect; `addr`/`port` absent when the kernel picks them (masquerade) */
  | { readonly kind: 'nat'; readonly type: 'snat' | 'dnat' | 'masquerade' | 'redirect'; readonly addr?: NfExpr; readonly addrHigh?: NfExpr; readonly port?: NfExpr; readonly portHigh?: NfExpr }
  | { readonly kind: 'notrack' }
  | { readonly kind: 'counter' }
  | { readonly kind: 'log'; readonly prefix?: string }
  /** a statement pbr does not model: the evaluator treats every outcome of the rule as possible */
  | { readonly kind: 'unknown'; readonly text: string };

export interface NfRule {
  /** the rule as the user wrote it (nft text from `nft -a list ruleset`, or the iptables-save line) */
  readonly text: string;
  /** nft rule handle */
  readonly handle?: number;
  /** where the rule was read, e.g. iptables-save line */
  readonly source?: SourceLocation;
  readonly comment?: string;
  readonly statements: readonly NfStatement[];
}

export interface NfBaseChain {
  readonly hook: NfHook;
  readonly type: NfChainType;
  readonly priority: number;
  /** verdict when the chain ends without one */
  readonly policy: 'accept' | 'drop';
  /** netdev/ingress chains: the device */
  readonly device?: string;
}

export interface NfChain {
  readonly name: string;
  readonly handle?: number;
  /** absent for a regular chain (reached only by jump/goto) */
  readonly base?: NfBaseChain;
  readonly rules: readonly NfRule[];
}

export interface NfSet {
  readonly name: string;
  /** key type as nft names it, one per concatenated part ("ipv4_addr", "inet_service", "mark", …) */
  readonly keyType: readonly string[];
  /** data type of a map ("mark", "verdict", …); absent for a set */
  readonly dataType?: string;
  readonly flags: readonly string[];
  readonly entries: readonly NfMapEntry[];
}

export interface NfTable {
  readonly family: NfFamily;
  readonly name: string;
  readonly origin: NfOrigin;
  readonly handle?: number;
  readonly chains: readonly NfChain[];
  readonly sets: readonly NfSet[];
}

/** Every table of a host, in the order the sources listed them. */
export interface NetfilterRuleset {
  readonly tables: readonly NfTable[];
}

export const EMPTY_RULESET: NetfilterRuleset = { tables: [] };

/** The priorities iptables registers its tables at (and nft's named priorities). */
export const NF_PRIORITY = { raw: -300, conntrack: -200, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 } as const;
