// What the kernel offers for policy routing, judged from its build config, its loaded modules, or a trial.
import type { Severity } from '../../model/diagnostics.ts';

export type Verdict = 'yes' | 'no' | 'unknown';

/** A trial: commands run in a throwaway namespace (NS stands for its name); success proves the capability. */
export interface CapabilityTrial {
  /** argv lists run in order; every one must succeed */
  readonly steps: readonly (readonly string[])[];
  /** text written to the last step's stdin (an nft script) */
  readonly input?: string;
}

export interface CapabilityDef {
  readonly id: string;
  readonly title: string;
  /**
   * Alternatives, each a list of CONFIG_ options (without the prefix) that must all be y or m.
   * An option ending in "?" is required only when the config names it (options of older kernels,
   * later merged into their parent, such as NFT_CHAIN_ROUTE_IPV4 into nf_tables).
   */
  readonly config: readonly (readonly string[])[];
  /** module names in /proc/modules, any of which proves the capability */
  readonly modules: readonly string[];
  readonly trial: CapabilityTrial;
  /** what pbr cannot do without it */
  readonly missing: string;
  /** severity when it is missing */
  readonly severity: Severity;
}

const NS = 'NS';
const nftTrial = (script: string): CapabilityTrial => ({ steps: [['ip', 'netns', 'exec', NS, 'nft', '-f', '-']], input: script });
const iptablesTrial = (...rule: string[]): CapabilityTrial => ({ steps: [['ip', 'netns', 'exec', NS, 'iptables', '-w', '-t', 'mangle', '-A', 'PREROUTING', ...rule]] });

export const TRIAL_NETNS_PLACEHOLDER = NS;

export const KERNEL_CAPABILITIES: readonly CapabilityDef[] = [
  {
    id: 'multiple-tables',
    title: 'IPv4 policy routing (ip rule, several routing tables)',
    config: [['IP_MULTIPLE_TABLES']],
    modules: [],
    trial: { steps: [['ip', '-n', NS, '-4', 'rule', 'add', 'pref', '1000', 'from', '192.0.2.0/24', 'table', '100']] },
    missing: 'only the main table exists: pbr cannot route by policy at all',
    severity: 'error',
  },
  {
    id: 'fwmark-rules',
    title: 'ip rules matching fwmark',
    config: [['IP_MULTIPLE_TABLES']],
    modules: [],
    trial: { steps: [['ip', '-n', NS, '-4', 'rule', 'add', 'pref', '1001', 'fwmark', '0x1/0x1', 'table', '100']] },
    missing: 'marks cannot select a routing table: policies by port, protocol or connection are impossible',
    severity: 'error',
  },
  {
    id: 'multipath',
    title: 'multipath routes (balancing over uplinks)',
    config: [['IP_ROUTE_MULTIPATH']],
    modules: [],
    trial: {
      steps: [
        ['ip', '-n', NS, 'link', 'add', 'pbrdoc0', 'type', 'veth', 'peer', 'name', 'pbrdoc1'],
        ['ip', '-n', NS, 'link', 'set', 'pbrdoc0', 'up'],
        ['ip', '-n', NS, 'link', 'set', 'pbrdoc1', 'up'],
        ['ip', '-n', NS, 'route', 'add', '203.0.113.0/24', 'table', '100', 'nexthop', 'dev', 'pbrdoc0', 'nexthop', 'dev', 'pbrdoc1'],
      ],
    },
    missing: 'a route has one next hop only: balancing over several uplinks is impossible',
    severity: 'warning',
  },
  {
    id: 'ipv6-multiple-tables',
    title: 'IPv6 policy routing (ip -6 rule, fwmark)',
    config: [['IPV6', 'IPV6_MULTIPLE_TABLES']],
    modules: [],
    trial: { steps: [['ip', '-n', NS, '-6', 'rule', 'add', 'pref', '1000', 'fwmark', '0x1/0x1', 'table', '100']] },
    missing: 'IPv6 traffic cannot follow policies: it all uses the main table',
    severity: 'warning',
  },
  {
    id: 'ipv6-subtrees',
    title: 'IPv6 source-specific routes (route … from PREFIX)',
    config: [['IPV6', 'IPV6_SUBTREES']],
    modules: [],
    trial: { steps: [['ip', '-n', NS, '-6', 'route', 'add', 'unreachable', '2001:db8:1::/48', 'from', '2001:db8:2::/48', 'table', '100']] },
    missing: 'routes cannot select on the source address (ip rules still can)',
    severity: 'info',
  },
  {
    id: 'nft-meta-mark',
    title: 'nftables packet marks (meta mark)',
    config: [['NF_TABLES', 'NFT_META?']],
    modules: ['nf_tables'],
    trial: nftTrial('table ip pbrdoc {\n  chain c {\n    meta mark 0x1 meta mark set 0x2\n  }\n}\n'),
    missing: 'nftables cannot set or match marks: pbr apply cannot install mark policies',
    severity: 'warning',
  },
  {
    id: 'nft-ct-mark',
    title: 'nftables connection marks (ct mark)',
    config: [['NF_TABLES', 'NFT_CT', 'NF_CONNTRACK_MARK']],
    modules: ['nft_ct'],
    trial: nftTrial('table ip pbrdoc {\n  chain c {\n    ct mark 0x1 ct mark set meta mark\n  }\n}\n'),
    missing: 'marks cannot be kept per connection: replies do not follow the uplink their connection came in on',
    severity: 'warning',
  },
  {
    id: 'nft-route-chain',
    title: 'nftables route chains (reroute after a mark set in output)',
    config: [['NF_TABLES_IPV4', 'NFT_CHAIN_ROUTE_IPV4?'], ['NF_TABLES_INET', 'NFT_CHAIN_ROUTE_IPV4?']],
    modules: ['nft_chain_route_ipv4'],
    trial: nftTrial('table ip pbrdoc {\n  chain r {\n    type route hook output priority mangle\n  }\n}\n'),
    missing: 'a mark set on locally generated packets cannot change their route',
    severity: 'warning',
  },
  {
    id: 'nat-masquerade',
    title: 'NAT masquerade (nftables)',
    config: [['NF_NAT', 'NFT_NAT', 'NFT_MASQ']],
    modules: ['nft_masq'],
    trial: nftTrial('table ip pbrdoc {\n  chain n {\n    type nat hook postrouting priority srcnat\n    masquerade\n  }\n}\n'),
    missing: 'forwarded traffic cannot leave a second uplink with that uplink\'s address',
    severity: 'warning',
  },
  {
    id: 'xt-mark',
    title: 'iptables mark match and MARK target (xt_mark)',
    config: [['NETFILTER_XT_MARK'], ['NETFILTER_XT_MATCH_MARK', 'NETFILTER_XT_TARGET_MARK']],
    modules: ['xt_mark'],
    trial: iptablesTrial('-m', 'mark', '--mark', '0x1', '-j', 'MARK', '--set-mark', '0x2'),
    missing: 'iptables rules with -m mark or -j MARK do not load',
    severity: 'info',
  },
  {
    id: 'xt-connmark',
    title: 'iptables connmark match and CONNMARK target (xt_connmark)',
    config: [['NETFILTER_XT_CONNMARK', 'NF_CONNTRACK_MARK'], ['NETFILTER_XT_MATCH_CONNMARK', 'NETFILTER_XT_TARGET_CONNMARK', 'NF_CONNTRACK_MARK']],
    modules: ['xt_connmark'],
    trial: iptablesTrial('-m', 'connmark', '--mark', '0x1', '-j', 'CONNMARK', '--restore-mark'),
    missing: 'iptables rules with -m connmark or -j CONNMARK do not load',
    severity: 'info',
  },
];

/** CONFIG_ values of a kernel config file: "y", "m", a string, or "n" for "# CONFIG_X is not set". */
export function parseKernelConfig(text: string): ReadonlyMap<string, string> {
  const options = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^CONFIG_(\w+)=(.*)$/.exec(line);
    if (set) options.set(set[1]!, set[2]!);
    const unset = /^# CONFIG_(\w+) is not set$/.exec(line);
    if (unset) options.set(unset[1]!, 'n');
  }
  return options;
}

/** Module names of /proc/modules (first word of each line). */
export function parseProcModules(text: string): ReadonlySet<string> {
  return new Set(text.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name !== ''));
}

export interface KernelConfig {
  /** where it was read, e.g. "/proc/config.gz" */
  readonly source: string;
  readonly options: ReadonlyMap<string, string>;
}

export interface TrialOutcome {
  /** true: every step succeeded */
  readonly ok: boolean;
  /** the step that failed, as a command line (NS replaced by the namespace's name) */
  readonly failed?: string;
  /** its error output */
  readonly error?: string;
  /** set when the trial could not run at all (why) */
  readonly notRun?: string;
}

export interface CapabilityEvidence {
  readonly config?: KernelConfig;
  /** loaded modules, when /proc/modules could be read */
  readonly modules?: ReadonlySet<string>;
  readonly trial?: TrialOutcome;
  /** why there is no config and no module list, for an "unknown" */
  readonly unreadable?: string;
}

export interface CapabilityResult {
  readonly id: string;
  readonly title: string;
  readonly verdict: Verdict;
  readonly source: 'config' | 'modules' | 'trial' | 'none';
  /** what the verdict rests on, e.g. "CONFIG_IP_MULTIPLE_TABLES=y (/proc/config.gz)" */
  readonly evidence: string;
  /** severity of this result: info when yes */
  readonly severity: Severity;
  /** what pbr cannot do and how to get it, when the verdict is not yes */
  readonly hint?: string;
}

interface ConfigVerdict {
  readonly verdict: 'yes' | 'no';
  readonly evidence: string;
}

function configValue(options: ReadonlyMap<string, string>, option: string): string | undefined {
  return options.get(option.replace(/\?$/, ''));
}

function assessConfig(def: CapabilityDef, config: KernelConfig): ConfigVerdict {
  const describe = (options: readonly string[]): string =>
    options
      .filter((o) => !o.endsWith('?') || configValue(config.options, o) !== undefined)
      .map((o) => `CONFIG_${o.replace(/\?$/, '')}=${configValue(config.options, o) ?? 'n'}`)
      .join(' ');
  const enabled = (o: string): boolean => {
    const value = configValue(config.options, o);
    if (o.endsWith('?') && value === undefined) return true;
    return value === 'y' || value === 'm';
  };
  const satisfied = def.config.find((group) => group.every(enabled));
  if (satisfied) {
    const modular = satisfied.some((o) => configValue(config.options, o) === 'm');
    return { verdict: 'yes', evidence: `${describe(satisfied)} in ${config.source}${modular ? ', as a module loaded on first use' : ''}` };
  }
  return { verdict: 'no', evidence: `${def.config.map(describe).join(' | ')} in ${config.source}` };
}

function configFix(def: CapabilityDef): string {
  const options = def.config.map((group) => group.map((o) => `CONFIG_${o.replace(/\?$/, '')}`).join(' + ')).join(', or ');
  return `${def.missing}; use a kernel built with ${options}`;
}

/** The verdict on one capability: the config decides when there is one, then loaded modules, then the trial. */
export function assessCapability(def: CapabilityDef, evidence: CapabilityEvidence): CapabilityResult {
  const base = { id: def.id, title: def.title };
  const missing = (source: CapabilityResult['source'], text: string): CapabilityResult => ({
    ...base, verdict: 'no', source, evidence: text, severity: def.severity, hint: configFix(def),
  });
  if (evidence.config) {
    const fromConfig = assessConfig(def, evidence.config);
    if (fromConfig.verdict === 'yes') return { ...base, verdict: 'yes', source: 'config', evidence: fromConfig.evidence, severity: 'info' };
    return missing('config', fromConfig.evidence);
  }
  const loaded = def.modules.find((m) => evidence.modules?.has(m));
  if (loaded !== undefined) return { ...base, verdict: 'yes', source: 'modules', evidence: `module ${loaded} is loaded`, severity: 'info' };
  const trial = evidence.trial;
  if (trial && trial.notRun === undefined) {
    if (trial.ok) return { ...base, verdict: 'yes', source: 'trial', evidence: 'trial in a throwaway namespace succeeded', severity: 'info' };
    return missing('trial', `trial failed: ${trial.failed ?? ''}: ${trial.error ?? ''}`.trim());
  }
  const why = [evidence.config ? undefined : evidence.unreadable ?? 'no kernel config', trial?.notRun ?? 'no trial run'].filter((w) => w !== undefined);
  return {
    ...base,
    verdict: 'unknown',
    source: 'none',
    evidence: why.join('; '),
    severity: 'info',
    hint: `run pbr doctor as root so it can try it in a throwaway namespace, or provide /proc/config.gz (CONFIG_IKCONFIG_PROC) or /boot/config-$(uname -r); without it: ${def.missing}`,
  };
}

/** Whether the config and module list leave this capability undecided (then a trial is worth running). */
export function needsTrial(def: CapabilityDef, evidence: Omit<CapabilityEvidence, 'trial'>): boolean {
  return assessCapability(def, evidence).verdict === 'unknown';
}
