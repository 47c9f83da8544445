// The tools pbr works with: which are present, their versions, and what a missing one means.
import type { Severity } from '../../model/diagnostics.ts';

/** What running `TOOL --version` gave: not installed, or its exit status and output. */
export type ToolRun = { readonly installed: false } | { readonly installed: true; readonly exitCode: number; readonly output: string };

export interface ToolDef {
  readonly id: string;
  /** argv that prints the version */
  readonly argv: readonly string[];
  /** what pbr loses without it */
  readonly missing: string;
  readonly severity: Severity;
  /** how to get it (Debian package) */
  readonly install: string;
}

export const TOOLS: readonly ToolDef[] = [
  {
    id: 'iproute2',
    argv: ['ip', '-V'],
    missing: 'pbr cannot read or change rules and routes at all',
    severity: 'error',
    install: 'apt-get install iproute2',
  },
  {
    id: 'nft',
    argv: ['nft', '--version'],
    missing: 'pbr apply cannot install mark policies, and snapshots do not see nftables rules (marks set by other software)',
    severity: 'warning',
    install: 'apt-get install nftables',
  },
  {
    id: 'iptables',
    argv: ['iptables', '-V'],
    missing: 'snapshots do not see iptables rules, so marks set by iptables (mangle MARK/CONNMARK) are invisible to lint and trace',
    severity: 'info',
    install: 'apt-get install iptables',
  },
  {
    id: 'ip6tables',
    argv: ['ip6tables', '-V'],
    missing: 'snapshots do not see ip6tables rules (IPv6 marks set by ip6tables)',
    severity: 'info',
    install: 'apt-get install iptables',
  },
  {
    id: 'conntrack',
    argv: ['conntrack', '--version'],
    missing: 'no way to list or flush connections and their marks (conntrack -L, -F): after a mark policy changes, existing connections keep their old ct mark until they expire',
    severity: 'info',
    install: 'apt-get install conntrack',
  },
];

export interface ToolResult {
  readonly id: string;
  readonly present: boolean;
  /** e.g. "6.1.0", "1.0.6"; undefined when not found in the output */
  readonly version?: string;
  /** iptables backend: "nf_tables" or "legacy" */
  readonly variant?: string;
  /** the first line it printed */
  readonly detail: string;
  readonly severity: Severity;
  readonly hint?: string;
}

const VERSION_PATTERNS: readonly RegExp[] = [/iproute2-(?:ss)?([\w.]+)/, /\bv(\d+(?:\.\d+)+)/, /\b(\d+\.\d+(?:\.\d+)*)\b/];

function versionOf(output: string): string | undefined {
  for (const pattern of VERSION_PATTERNS) {
    const found = pattern.exec(output);
    if (found) return found[1];
  }
  return undefined;
}

/** One tool's result from its version output. */
export function assessTool(def: ToolDef, run: ToolRun): ToolResult {
  if (!run.installed) {
    return { id: def.id, present: false, detail: 'not installed', severity: def.severity, hint: `${def.missing}; install it: ${def.install}` };
  }
  const detail = run.output.trim().split('\n')[0] ?? '';
  if (run.exitCode !== 0) {
    return { id: def.id, present: false, detail: `${def.argv.join(' ')} exited ${run.exitCode}: ${detail}`, severity: def.severity, hint: `${def.missing}; check the installation: ${def.install}` };
  }
  const version = versionOf(detail);
  const variant = /\((nf_tables|legacy)\)/.exec(detail)?.[1];
  return {
    id: def.id,
    present: true,
    ...(version !== undefined ? { version } : {}),
    ...(variant !== undefined ? { variant } : {}),
    detail,
    severity: 'info',
  };
}
