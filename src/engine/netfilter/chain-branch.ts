// What running one base chain on one packet can end in: the boundary between chain evaluation and the journey.
import type { IpAddress } from '../../addr/types.ts';
import type { JourneyStep, NfPacketState } from '../../model/journey.ts';
import type { NfChain, NfTable } from '../../model/netfilter.ts';

/** A NAT statement with its values evaluated; the journey turns it into a conntrack mapping. */
export interface NatRequest {
  readonly type: 'snat' | 'dnat' | 'masquerade' | 'redirect';
  readonly addr?: IpAddress;
  readonly addrHigh?: IpAddress;
  readonly port?: number;
  readonly portHigh?: number;
  /** the rule that asked for it, for the trace */
  readonly ruleText: string;
}

/** One way a base chain can end for a packet. */
export interface ChainBranch {
  /** probability of this branch within the chain run (the branches of one run add up to 1) */
  readonly probability: number;
  /** what this branch assumed about rules pbr does not model, one sentence each naming the rule */
  readonly assumptions: readonly string[];
  /** rule and policy steps, in order, including those of jumped-to chains */
  readonly steps: readonly JourneyStep[];
  /** the packet after the chain's statements (mark, ct mark, dscp, …) */
  readonly packet: NfPacketState;
  readonly verdict: 'accept' | 'drop' | 'reject' | 'queue';
  /** the rule that gave a drop/reject/queue verdict, or the chain whose policy did */
  readonly verdictBy?: string;
  readonly rejectWith?: string;
  /** the first NAT statement reached (NAT chains stop at it) */
  readonly nat?: NatRequest;
  /** a `notrack` statement ran */
  readonly notrack: boolean;
}

/** A base chain with its table, in the order the kernel runs them on one hook. */
export interface HookedChain {
  readonly table: NfTable;
  readonly chain: NfChain;
}
