// Reads what the kernel was built with and has loaded, and tries capabilities in throwaway namespaces.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import {
  parseKernelConfig,
  parseProcModules,
  TRIAL_NETNS_PLACEHOLDER,
  type CapabilityDef,
  type KernelConfig,
  type TrialOutcome,
} from '../lint/doctor/kernel-capabilities.ts';
import { programExists, runProgram, type ExecOptions, type ExecResult } from './exec.ts';

export interface KernelFacts {
  readonly config?: KernelConfig;
  readonly modules?: ReadonlySet<string>;
  /** why there is no config (and no module list), one sentence */
  readonly unreadable?: string;
  /** where each fact came from, one sentence each */
  readonly sources: readonly string[];
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** /proc/config.gz (CONFIG_IKCONFIG_PROC), else /boot/config-RELEASE; and /proc/modules. */
export async function readKernelFacts(release: string, read: (path: string) => Promise<Buffer> = readFile): Promise<KernelFacts> {
  const sources: string[] = [];
  const tried: string[] = [];
  let config: KernelConfig | undefined;
  for (const [path, gzip] of [['/proc/config.gz', true], [`/boot/config-${release}`, false]] as const) {
    try {
      const raw = await read(path);
      config = { source: path, options: parseKernelConfig((gzip ? gunzipSync(raw) : raw).toString('utf8')) };
      sources.push(`build config read from ${path}`);
      break;
    } catch (error) {
      tried.push(`${path}: ${errorCode(error)}`);
    }
  }
  let modules: ReadonlySet<string> | undefined;
  try {
    modules = parseProcModules((await read('/proc/modules')).toString('utf8'));
    sources.push(`${modules.size} modules loaded (/proc/modules)`);
  } catch (error) {
    const code = errorCode(error);
    sources.push(code === 'ENOENT' ? 'no /proc/modules: this kernel has no module support, so what is not built in is absent' : `cannot read /proc/modules: ${code}`);
  }
  return { ...(config ? { config } : { unreadable: `no kernel config (${tried.join(', ')})` }), ...(modules ? { modules } : {}), sources };
}

export type Runner = (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export interface TrialOptions {
  readonly run?: Runner;
  readonly isRoot?: boolean;
  readonly programExists?: (name: string) => Promise<boolean>;
  /** prefix of the namespaces created (each trial gets its own, deleted afterwards) */
  readonly prefix?: string;
}

/** The program a trial step runs (after `ip netns exec NS`). */
function programOf(step: readonly string[]): string {
  return step[0] === 'ip' && step[1] === 'netns' && step[2] === 'exec' ? step[4] ?? 'ip' : step[0] ?? '';
}

/** Runs each capability's trial in its own new namespace, deleted in the end whatever happened. */
export async function runCapabilityTrials(defs: readonly CapabilityDef[], options: TrialOptions = {}): Promise<ReadonlyMap<string, TrialOutcome>> {
  const run = options.run ?? runProgram;
  const exists = options.programExists ?? programExists;
  const outcomes = new Map<string, TrialOutcome>();
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  const prefix = options.prefix ?? `pbrdoc-${process.pid}`;
  for (const [index, def] of defs.entries()) {
    if (!isRoot) {
      outcomes.set(def.id, { ok: false, notRun: 'a trial needs root (it creates a network namespace)' });
      continue;
    }
    const absent = [];
    for (const program of new Set(def.trial.steps.map(programOf))) if (!(await exists(program))) absent.push(program);
    if (absent.length > 0) {
      outcomes.set(def.id, { ok: false, notRun: `the trial needs ${absent.join(', ')}, which is not installed` });
      continue;
    }
    const netns = `${prefix}-${index}`;
    const added = await run(['ip', 'netns', 'add', netns]);
    if (added.exitCode !== 0) {
      outcomes.set(def.id, { ok: false, notRun: `ip netns add ${netns} failed: ${added.stderr.trim()}` });
      continue;
    }
    try {
      outcomes.set(def.id, await runTrialSteps(def, netns, run));
    } finally {
      await run(['ip', 'netns', 'delete', netns]);
    }
  }
  return outcomes;
}

async function runTrialSteps(def: CapabilityDef, netns: string, run: Runner): Promise<TrialOutcome> {
  const { steps, input } = def.trial;
  for (const [i, step] of steps.entries()) {
    const argv = step.map((word) => (word === TRIAL_NETNS_PLACEHOLDER ? netns : word));
    const last = i === steps.length - 1;
    const result = await run(argv, last && input !== undefined ? { input } : {});
    if (result.exitCode !== 0) {
      return { ok: false, failed: argv.join(' '), error: result.stderr.trim().split('\n')[0] ?? `exit status ${result.exitCode}` };
    }
  }
  return { ok: true };
}
