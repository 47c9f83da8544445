// The doctor's report: kernel, tools, sysctls and lint findings, and the exit status they give.
import type { Severity } from '../../model/diagnostics.ts';
import type { LintFinding } from '../../model/lint.ts';
import type { CapabilityResult } from './kernel-capabilities.ts';
import type { SysctlResult } from './sysctls.ts';
import type { ToolResult } from './tools.ts';

export interface DoctorReport {
  readonly kernelRelease: string;
  /** the namespace inspected (--netns); absent: this process's namespace */
  readonly netns?: string;
  /** where the kernel facts came from, one sentence each (config file, module list, trials) */
  readonly kernelSources: readonly string[];
  readonly capabilities: readonly CapabilityResult[];
  readonly tools: readonly ToolResult[];
  readonly sysctls: readonly SysctlResult[];
  readonly lint: readonly LintFinding[];
  /** what the snapshot could not read */
  readonly notes: readonly string[];
}

export interface DoctorSummary {
  readonly errors: number;
  readonly warnings: number;
  /** info-level problems: unknown capabilities, missing optional tools, sysctl notes, info findings */
  readonly notes: number;
}

/** Counts everything that is not fine, by severity. */
export function summarizeDoctor(report: DoctorReport): DoctorSummary {
  const severities: Severity[] = [
    ...report.capabilities.filter((c) => c.verdict !== 'yes').map((c) => c.severity),
    ...report.tools.filter((t) => !t.present).map((t) => t.severity),
    ...report.sysctls.filter((s) => s.status === 'note').map((): Severity => 'info'),
    ...report.lint.map((f) => f.severity),
  ];
  const count = (severity: Severity): number => severities.filter((s) => s === severity).length;
  return { errors: count('error'), warnings: count('warning'), notes: count('info') };
}

/** 1 when anything is at warning or above, else 0. */
export function doctorExitStatus(summary: DoctorSummary): 0 | 1 {
  return summary.errors + summary.warnings > 0 ? 1 : 0;
}
