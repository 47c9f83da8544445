// Every lint check, and running them: the one list `pbr lint`, `pbr doctor` and the docs examples use.
import type { Severity } from '../model/diagnostics.ts';
import type { LintCheck, LintFinding, LintInput } from '../model/lint.ts';
import { check as forwardingOff } from './checks/forwarding-off.ts';
import { check as ipv6Gap } from './checks/ipv6-gap.ts';
import { check as markBitsOverlap } from './checks/mark-bits-overlap.ts';
import { check as markNoReroute } from './checks/mark-no-reroute.ts';
import { check as markUnset } from './checks/mark-unset.ts';
import { check as markUnused } from './checks/mark-unused.ts';
import { check as martiansUnlogged } from './checks/martians-unlogged.ts';
import { check as priorityDuplicate } from './checks/priority-duplicate.ts';
import { check as replyMarkLost } from './checks/reply-mark-lost.ts';
import { check as rpFilterDrops } from './checks/rp-filter-drops.ts';
import { check as ruleShadowed } from './checks/rule-shadowed.ts';
import { check as ruleTableEmpty } from './checks/rule-table-empty.ts';
import { check as tableUnnamed } from './checks/table-unnamed.ts';
import { check as uplinkNoDefault } from './checks/uplink-no-default.ts';

/** One per file in src/lint/checks (a test keeps them in step), by id. */
export const ALL_CHECKS: readonly LintCheck[] = [
  forwardingOff,
  ipv6Gap,
  markBitsOverlap,
  markNoReroute,
  markUnset,
  markUnused,
  martiansUnlogged,
  priorityDuplicate,
  replyMarkLost,
  rpFilterDrops,
  ruleShadowed,
  ruleTableEmpty,
  tableUnnamed,
  uplinkNoDefault,
];

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** Every finding of `checks` on `input`, most severe first, then by id (a check's own order kept). */
export function runLint(input: LintInput, checks: readonly LintCheck[] = ALL_CHECKS): LintFinding[] {
  const findings = checks.flatMap((c) => c.run(input));
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity] || compareText(a.finding.id, b.finding.id) || a.index - b.index)
    .map(({ finding }) => finding);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether findings make `pbr lint` exit 1: anything at warning or above. */
export function hasProblems(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity !== 'info');
}
