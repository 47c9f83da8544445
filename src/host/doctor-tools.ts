// Runs each tool's version command (argv, never a shell) to see which tools are present.
import type { ToolDef, ToolRun } from '../lint/doctor/tools.ts';
import { programExists, runProgram, type ExecOptions, type ExecResult } from './exec.ts';

export interface ToolProbeOptions {
  readonly run?: (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;
  readonly programExists?: (name: string) => Promise<boolean>;
}

/** Each tool's version output, by tool id; a tool not on PATH is not installed. */
export async function probeTools(defs: readonly ToolDef[], options: ToolProbeOptions = {}): Promise<ReadonlyMap<string, ToolRun>> {
  const run = options.run ?? runProgram;
  const exists = options.programExists ?? programExists;
  const runs = await Promise.all(
    defs.map(async (def): Promise<[string, ToolRun]> => {
      const program = def.argv[0] ?? '';
      if (!(await exists(program))) return [def.id, { installed: false }];
      const result = await run(def.argv);
      return [def.id, { installed: true, exitCode: result.exitCode, output: result.stdout.trim() !== '' ? result.stdout : result.stderr }];
    }),
  );
  return new Map(runs);
}
