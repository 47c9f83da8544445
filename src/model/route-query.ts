// A route lookup as `ip route get` asks it, and the answer as the kernel gives it.
import type { Family, IpAddress } from '../addr/types.ts';
import type { RouteMetric, RouteType } from './network-state.ts';

export interface RouteQuery {
  readonly family: Family;
  readonly dst: IpAddress;
  /** `from ADDR` */
  readonly from?: IpAddress;
  /** `iif DEV`: input path */
  readonly iif?: string;
  /** `oif DEV` */
  readonly oif?: string;
  readonly mark?: number;
  /** `tos`/`dsfield` as given (IPv6: traffic class) */
  readonly tos?: number;
  /** `uid NUM`; without it the output path uses the caller's uid */
  readonly uid?: number;
  readonly ipproto?: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly fibmatch?: boolean;
  /** uid of the process asking (root = 0); used when `uid` is absent on the output path */
  readonly callerUid?: number;
}

/** errno names a lookup can fail with, and the strerror text `ip` prints after "RTNETLINK answers: ". */
export const ERRNO_MESSAGES = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
  EOPNOTSUPP: 'Operation not supported',
  ESRCH: 'No such process',
  EAGAIN: 'Resource temporarily unavailable',
  EMSGSIZE: 'Message too long',
} as const;

export type Errno = keyof typeof ERRNO_MESSAGES;

/** The route `ip route get` reports (the fields of `ip -d -j route get`). */
export interface ResolvedRoute {
  readonly type: RouteType;
  readonly dst: IpAddress;
  /** the requested source (`from`), echoed */
  readonly from?: IpAddress;
  /** with fibmatch: the prefix length of a source-specific route's `from` (IPv6) */
  readonly fromPrefixLength?: number;
  readonly gateway?: IpAddress;
  readonly dev: string;
  readonly table: number;
  /** the selected source address ("src") */
  readonly prefsrc?: IpAddress;
  readonly iif?: string;
  readonly mark?: number;
  readonly uid?: number;
  /** route flags iproute2 prints ("onlink", "linkdown", …) */
  readonly flags: readonly string[];
  /** cache flags: "local", "brd", "mc", "redirect", … */
  readonly cache: readonly string[];
  /** `tos` echoed when the query carried one */
  readonly tos?: number;
  readonly metric?: number;
  /** route scope for fibmatch output */
  readonly scope?: number;
  /** with fibmatch: the matched FIB entry's prefix length */
  readonly prefixLength?: number;
  /** with fibmatch: every next hop of the matched entry */
  readonly nexthops?: readonly { readonly gateway?: IpAddress; readonly dev?: string; readonly weight: number; readonly flags: readonly string[] }[];
  readonly protocol?: string;
  readonly nhid?: number;
  /** IPv6 router preference of the matched route ("low" | "medium" | "high"); printed as `pref` */
  readonly pref?: string;
  /** the matched route's metrics (mtu lock 1400, …), which a cached IPv4 route carries */
  readonly metrics?: readonly RouteMetric[];
  /** the matched route's realms (RTA_FLOW) */
  readonly realms?: number;
  /** with fibmatch: seconds until the matched IPv6 route expires */
  readonly expires?: number;
}

/** One step of the reasoning, shown by --explain. */
export interface ExplainStep {
  /** what kind of step: rule, table, route, path, source, check, result, note */
  readonly kind: 'rule' | 'table' | 'route' | 'path' | 'source' | 'check' | 'result' | 'note';
  readonly text: string;
  /** nesting depth for display (reverse lookups are nested) */
  readonly depth: number;
}

/** Multipath without a hash seed: every next hop the kernel may pick. */
export interface NexthopCandidate {
  readonly gateway?: IpAddress;
  readonly dev: string;
  readonly weight: number;
}

/** The ip rule that gave the answer (or the error), and the table it looked up (0 for a rule action such as unreachable). */
export interface RuleDecision {
  readonly pref: number;
  readonly table: number;
}

export type RouteAnswer =
  | {
      readonly ok: true;
      readonly route: ResolvedRoute;
      /** the rule and table the route came from; absent when no lookup made it (on-link via oif, multicast) */
      readonly decidedBy?: RuleDecision;
      /** set when the next hop depends on an unknown (random) multipath hash seed */
      readonly candidates?: readonly NexthopCandidate[];
      readonly explain: readonly ExplainStep[];
    }
  | {
      readonly ok: false;
      readonly errno: Errno;
      /** the rule (and table) whose action or route type gave the errno, when a lookup did */
      readonly decidedBy?: RuleDecision;
      readonly explain: readonly ExplainStep[];
      /** the kernel log line this drop produces when log_martians is on */
      readonly logLine?: string;
    };
