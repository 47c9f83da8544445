// `pbr doctor`: what the kernel offers, the tools present, the sysctls that matter, and lint on a fresh capture.
import { captureSnapshot } from '../host/capture-snapshot.ts';
import { readKernelFacts, runCapabilityTrials, type KernelFacts } from '../host/doctor-kernel.ts';
import { probeTools } from '../host/doctor-tools.ts';
import { assessCapability, KERNEL_CAPABILITIES, needsTrial, type CapabilityDef, type TrialOutcome } from '../lint/doctor/kernel-capabilities.ts';
import { doctorExitStatus, summarizeDoctor, type DoctorReport } from '../lint/doctor/report.ts';
import { assessSysctls } from '../lint/doctor/sysctls.ts';
import { assessTool, TOOLS, type ToolDef, type ToolRun } from '../lint/doctor/tools.ts';
import { runLint } from '../lint/registry.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import type { LintFinding, LintInput } from '../model/lint.ts';
import type { SnapshotFile } from '../model/snapshot.ts';
import { parseSnapshot } from '../parse/snapshot.ts';
import { renderDoctorJson, renderDoctorText } from '../render/doctor.ts';
import { paletteFor } from './palette.ts';
import type { CliIo } from './io.ts';

export interface DoctorArgs {
  readonly json: boolean;
  readonly netns?: string;
}

/** The host probes doctor uses; tests replace them. */
export interface DoctorProbes {
  readonly capture: (netns: string | undefined) => Promise<SnapshotFile>;
  readonly readKernelFacts: (release: string) => Promise<KernelFacts>;
  readonly runTrials: (defs: readonly CapabilityDef[]) => Promise<ReadonlyMap<string, TrialOutcome>>;
  readonly probeTools: (defs: readonly ToolDef[]) => Promise<ReadonlyMap<string, ToolRun>>;
  readonly runLint: (input: LintInput) => readonly LintFinding[];
}

export const HOST_PROBES: DoctorProbes = {
  capture: (netns) => captureSnapshot(netns === undefined ? {} : { netns }),
  readKernelFacts: (release) => readKernelFacts(release),
  runTrials: (defs) => runCapabilityTrials(defs),
  probeTools: (defs) => probeTools(defs),
  runLint: (input) => runLint(input),
};

/** Builds the report from the probes; a failed capture throws (SystemError, exit 4). */
export async function buildDoctorReport(args: DoctorArgs, probes: DoctorProbes, io: CliIo): Promise<DoctorReport> {
  const snapshot = await probes.capture(args.netns);
  const toolsDone = probes.probeTools(TOOLS);
  const parsed = parseSnapshot(snapshot, { name: 'live capture' });
  for (const d of parsed.diagnostics) if (d.severity === 'error') io.stderr.write(`pbr: ${formatDiagnostic(d)}\n`);
  const state = parsed.value;

  const facts = await probes.readKernelFacts(snapshot.kernelRelease);
  const evidence = { ...(facts.config ? { config: facts.config } : {}), ...(facts.modules ? { modules: facts.modules } : {}), ...(facts.unreadable !== undefined ? { unreadable: facts.unreadable } : {}) };
  const undecided = KERNEL_CAPABILITIES.filter((def) => needsTrial(def, evidence));
  const trials = undecided.length > 0 ? await probes.runTrials(undecided) : new Map<string, TrialOutcome>();
  const kernelSources = [...facts.sources, ...(undecided.length > 0 ? [`tried in throwaway namespaces: ${undecided.map((d) => d.id).join(', ')}`] : [])];
  const capabilities = KERNEL_CAPABILITIES.map((def) => {
    const trial = trials.get(def.id);
    return assessCapability(def, trial ? { ...evidence, trial } : evidence);
  });

  const toolRuns = await toolsDone;
  const tools = TOOLS.map((def) => assessTool(def, toolRuns.get(def.id) ?? { installed: false }));
  return {
    kernelRelease: snapshot.kernelRelease,
    ...(args.netns !== undefined ? { netns: args.netns } : {}),
    kernelSources,
    capabilities,
    tools,
    sysctls: assessSysctls(state),
    lint: probes.runLint({ state }),
    notes: snapshot.notes,
  };
}

/** Prints the report; exit 0 when nothing is at warning or above, 1 otherwise. */
export async function runDoctor(args: DoctorArgs, io: CliIo, probes: DoctorProbes = HOST_PROBES): Promise<number> {
  const report = await buildDoctorReport(args, probes, io);
  if (args.json) io.stdout.write(`${JSON.stringify(renderDoctorJson(report), null, 2)}\n`);
  else io.stdout.write(renderDoctorText(report, paletteFor(io.stdout.color)));
  return doctorExitStatus(summarizeDoctor(report));
}
