// `pbr explain-log [FILE|-]`: kernel log lines about martians, each explained on the host's state (snapshot or live).
import { explainKernelLog, isFullyExplained } from '../lint/explain-log/explain-kernel-log.ts';
import { explainLogDocument, renderExplainLogText } from '../lint/explain-log/render-explain-log.ts';
import { ExitCode, InvalidInputError, UsageError } from '../model/errors.ts';
import type { NetworkState } from '../model/network-state.ts';
import type { CliIo } from './io.ts';

export interface ExplainLogArgs {
  readonly json: boolean;
  /** the --snapshot option as given ("-" is standard input) */
  readonly snapshot?: string;
}

export interface ExplainLogDeps {
  readonly io: CliIo;
  /** the --snapshot file's state, or a live capture */
  readonly loadState: () => Promise<NetworkState>;
}

async function readLog(io: CliIo, input: string): Promise<string> {
  try {
    const text = input === '-' ? await io.readStdin() : await io.readText(input);
    if (text.includes('\u0000')) throw new Error('it holds binary data (NUL bytes)');
    return text;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`cannot read the kernel log ${input === '-' ? 'from standard input' : input}: ${why}`, 'give a text file of `dmesg` or `journalctl -k` output, or - for standard input');
  }
}

/** 0 every line understood and every martian explained · 1 some line not understood or a drop not explained · 3 unreadable input. */
export async function runExplainLog(args: readonly string[], opts: ExplainLogArgs, deps: ExplainLogDeps): Promise<number> {
  if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}"`, 'see `pbr explain-log --help`');
  const input = args[0] ?? '-';
  if (input === '-' && opts.snapshot === '-') throw new UsageError('the log and --snapshot - both want standard input', 'give one of them a file name');
  const text = await readLog(deps.io, input);
  const report = explainKernelLog(await deps.loadState(), text);
  const doc = explainLogDocument(report);
  deps.io.stdout.write(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : renderExplainLogText(doc));
  return isFullyExplained(report) ? ExitCode.ok : ExitCode.findings;
}
