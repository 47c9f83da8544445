// The `pbr` command line: options, dispatch to the commands, and the one place errors become messages.
import { readFileSync } from 'node:fs';
import { createEngine } from '../engine/engine.ts';
import { traceJourney } from '../engine/journey/trace-journey.ts';
import { runSnapshotCommand } from '../host/snapshot-command.ts';
import { captureSnapshot } from '../host/capture-snapshot.ts';
import { loadSnapshot } from '../host/load-snapshot.ts';
import { formatDiagnostic, type Parsed } from '../model/diagnostics.ts';
import { ExitCode, PbrError, UsageError } from '../model/errors.ts';
import type { NetworkState } from '../model/network-state.ts';
import { parseSnapshot } from '../parse/snapshot.ts';
import { runApply, runPlan } from './apply-command.ts';
import { APPLY_HELP, CONFIRM_HELP, INSTALL_HELP, PLAN_HELP, ROLLBACK_HELP, STATUS_HELP } from './apply-help.ts';
import { UnknownDeviceError } from './devices.ts';
import { runDoctor } from './doctor-command.ts';
import { runExplainLog } from './explain-log-command.ts';
import { runExample } from './example.ts';
import { runInstall, runUninstall } from './install-command.ts';
import { runLintCommand } from './lint-command.ts';
import { runConfirm, runRollback, runStatus } from './journal-commands.ts';
import { DOCTOR_HELP, EXPLAIN_LOG_HELP } from './help.ts';
import { EXAMPLE_HELP, LINT_HELP, MAIN_HELP, ROUTE_GET_HELP, ROUTE_SHOW_HELP, RULE_SHOW_HELP, SNAPSHOT_HELP, TRACE_HELP } from './help.ts';
import { messageStyle, processIo, type CliIo } from './io.ts';
import { scanOptions, type OptionName, type Options } from './options.ts';
import { matches, takesValue } from './route-get-args.ts';
import { runRouteGet } from './route-get-command.ts';
import { runRouteShow, runRuleShow } from './show-commands.ts';
import { traceTakesValue } from './trace-args.ts';
import { loadServiceIndex, runTrace } from './trace-command.ts';

type IntentCommand = 'plan' | 'apply' | 'rollback' | 'confirm' | 'status' | 'install' | 'uninstall';
type Command = 'route get' | 'route show' | 'rule show' | 'trace' | 'snapshot' | 'example' | 'help' | 'lint' | 'doctor' | 'explain-log' | IntentCommand;

const INTENT_COMMANDS: readonly IntentCommand[] = ['plan', 'apply', 'rollback', 'confirm', 'status', 'install', 'uninstall'];

interface CommandSpec {
  readonly help: string;
  readonly options: ReadonlySet<OptionName>;
}

const COMMON: readonly OptionName[] = ['debug', 'help', 'version'];
const SHOW: readonly OptionName[] = [...COMMON, 'family', 'json', 'details', 'snapshot'];

const COMMANDS: Readonly<Record<Command, CommandSpec>> = {
  'route get': { help: ROUTE_GET_HELP, options: new Set([...COMMON, 'family', 'json', 'explain', 'batch', 'summary', 'snapshot']) },
  'route show': { help: ROUTE_SHOW_HELP, options: new Set(SHOW) },
  'rule show': { help: RULE_SHOW_HELP, options: new Set(SHOW) },
  trace: { help: TRACE_HELP, options: new Set([...COMMON, 'family', 'json', 'snapshot', 'reply', 'fromLocal', 'uid', 'gid']) },
  snapshot: { help: SNAPSHOT_HELP, options: new Set([...COMMON, 'output', 'netns']) },
  example: { help: EXAMPLE_HELP, options: new Set(COMMON) },
  lint: { help: LINT_HELP, options: new Set([...COMMON, 'config', 'snapshot', 'json']) },
  doctor: { help: DOCTOR_HELP, options: new Set([...COMMON, 'netns', 'json']) },
  'explain-log': { help: EXPLAIN_LOG_HELP, options: new Set([...COMMON, 'snapshot', 'json']) },
  help: { help: MAIN_HELP, options: new Set(COMMON) },
  plan: { help: PLAN_HELP, options: new Set([...COMMON, 'config', 'snapshot', 'netns', 'format', 'json', 'root']) },
  apply: { help: APPLY_HELP, options: new Set([...COMMON, 'config', 'netns', 'confirm', 'json', 'root', 'stateDir']) },
  rollback: { help: ROLLBACK_HELP, options: new Set([...COMMON, 'unlessConfirmed', 'json', 'root', 'stateDir']) },
  confirm: { help: CONFIRM_HELP, options: new Set([...COMMON, 'json', 'root', 'stateDir']) },
  status: { help: STATUS_HELP, options: new Set([...COMMON, 'json', 'root', 'stateDir']) },
  install: { help: INSTALL_HELP, options: new Set([...COMMON, 'config', 'snapshot', 'enable', 'json', 'root']) },
  uninstall: { help: INSTALL_HELP, options: new Set([...COMMON, 'disable', 'json', 'root']) },
};

interface Invocation {
  readonly command: Command | undefined;
  /** the words after the command words */
  readonly args: readonly string[];
  readonly options: Options;
  readonly given: ReadonlySet<OptionName>;
}

/** How many leading words name the command, and which command they name. */
function commandOf(words: readonly string[]): { command: Command; length: number } | undefined {
  const [first, second] = words;
  if (first === undefined) return undefined;
  if (first === 'route') {
    if (second === undefined) return { command: 'route show', length: 1 };
    if (matches(second, 'get')) return { command: 'route get', length: 2 };
    if (matches(second, 'list') || matches(second, 'show') || matches(second, 'lst')) return { command: 'route show', length: 2 };
    throw new UsageError(`unknown route command "${second}"`, 'pbr route get … | pbr route show …');
  }
  if (first === 'rule') {
    if (second === undefined) return { command: 'rule show', length: 1 };
    if (matches(second, 'list') || matches(second, 'show')) return { command: 'rule show', length: 2 };
    throw new UsageError(`unknown rule command "${second}"`, 'pbr rule show');
  }
  if (first === 'snapshot' || first === 'trace' || first === 'example' || first === 'help' || first === 'lint' || first === 'doctor' || first === 'explain-log') return { command: first, length: 1 };
  const intentCommand = INTENT_COMMANDS.find((c) => c === first);
  if (intentCommand !== undefined) return { command: intentCommand, length: 1 };
  throw new UsageError(`unknown command "${first}"`, 'commands: snapshot, route get, route show, rule show, trace, lint, doctor, explain-log, plan, apply, rollback, confirm, status, install, uninstall, example (pbr --help)');
}

function parseInvocation(argv: readonly string[]): Invocation {
  const words: string[] = [];
  // selector values of route get / route show stay words even when they start with "-"
  const valueAfter = (word: string): boolean => {
    words.push(word);
    const head = commandOf(words.slice(0, 2));
    if (!head || words.length <= head.length) return false;
    if (head.command === 'route get') return takesValue(word);
    if (head.command === 'route show') return matches(word, 'table');
    if (head.command === 'trace') return traceTakesValue(word);
    return false;
  };
  const scan = scanOptions(argv, (word) => {
    try {
      return valueAfter(word);
    } catch {
      return false;
    }
  });
  const head = commandOf(scan.words);
  return {
    command: head?.command,
    args: scan.words.slice(head?.length ?? 0),
    options: scan.options,
    given: scan.given,
  };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Reads the state a command works on: the --snapshot file, or a capture of this namespace. */
function stateLoader(options: Options, io: CliIo): () => Promise<NetworkState> {
  let loaded: Promise<NetworkState> | undefined;
  const report = (parsed: Parsed<NetworkState>): NetworkState => {
    for (const d of parsed.diagnostics) if (d.severity === 'error') io.stderr.write(`pbr: ${formatDiagnostic(d)}\n`);
    return parsed.value;
  };
  return () => {
    loaded ??=
      options.snapshot !== undefined
        ? loadSnapshot(options.snapshot, { readStdin: io.readStdin }).then(report)
        : captureSnapshot().then((file) => report(parseSnapshot(file, { name: 'live capture' })));
    return loaded;
  };
}

async function dispatch(inv: Invocation, io: CliIo): Promise<number> {
  const { options } = inv;
  if (options.version) {
    io.stdout.write(`pbr ${version()}\n`);
    return ExitCode.ok;
  }
  if (inv.command === undefined) {
    if (options.help) {
      io.stdout.write(MAIN_HELP);
      return ExitCode.ok;
    }
    throw new UsageError('missing command', 'try `pbr --help`');
  }
  const spec = COMMANDS[inv.command];
  if (options.help || inv.command === 'help') {
    io.stdout.write(spec.help);
    return ExitCode.ok;
  }
  for (const name of inv.given) {
    if (!spec.options.has(name)) throw new UsageError(`option ${optionWord(name)} does not apply to pbr ${inv.command}`, `see \`pbr ${inv.command} --help\``);
  }
  const loadState = stateLoader(options, io);
  const show = { json: options.json, details: options.details, ...(options.family !== undefined ? { family: options.family } : {}) };
  switch (inv.command) {
    case 'route get':
      if (options.batch === '-' && options.snapshot === '-') {
        throw new UsageError('--batch - and --snapshot - both want standard input', 'give one of them a file name');
      }
      return runRouteGet(
        inv.args,
        {
          json: options.json,
          explain: options.explain,
          ...(options.family !== undefined ? { family: options.family } : {}),
          ...(options.batch !== undefined ? { batch: options.batch } : {}),
          ...(options.summary ? { summary: true } : {}),
        },
        { io, loadState, createEngine },
      );
    case 'route show':
      return runRouteShow(inv.args, show, { io, loadState });
    case 'rule show':
      return runRuleShow(inv.args, show, { io, loadState });
    case 'trace':
      return runTrace(
        inv.args,
        {
          json: options.json,
          reply: options.reply,
          fromLocal: options.fromLocal,
          ...(options.family !== undefined ? { family: options.family } : {}),
          ...(options.uid !== undefined ? { uid: options.uid } : {}),
          ...(options.gid !== undefined ? { gid: options.gid } : {}),
        },
        { io, loadState, loadServices: () => loadServiceIndex(io.readText), traceJourney: (state, request) => traceJourney(state, request) },
      );
    case 'snapshot':
      if (inv.args.length > 0) throw new UsageError(`unexpected argument "${inv.args[0]}"`, 'see `pbr snapshot --help`');
      await io.stdout.flush();
      return runSnapshotCommand({
        ...(options.output !== undefined ? { output: options.output } : {}),
        ...(options.netns !== undefined ? { netns: options.netns } : {}),
      });
    case 'lint':
      if (inv.args.length > 0) throw new UsageError(`unexpected argument "${inv.args[0]}"`, 'see `pbr lint --help`');
      return runLintCommand({ json: options.json, ...definedOnly({ config: options.config }) }, { io, loadState });
    case 'doctor':
      if (inv.args.length > 0) throw new UsageError(`unexpected argument "${inv.args[0]}"`, 'see `pbr doctor --help`');
      return runDoctor({ json: options.json, ...definedOnly({ netns: options.netns }) }, io);
    case 'explain-log':
      return runExplainLog(inv.args, { json: options.json, ...definedOnly({ snapshot: options.snapshot }) }, { io, loadState });
    case 'example':
      if (inv.args.length > 0) throw new UsageError(`unexpected argument "${inv.args[0]}"`, 'see `pbr example --help`');
      await io.stdout.flush();
      return runExample(io);
    default:
      if (inv.args.length > 0) throw new UsageError(`unexpected argument "${inv.args[0]}"`, `see \`pbr ${inv.command} --help\``);
      return runIntentCommand(inv.command, options, io);
  }
}

/** plan, apply, rollback, confirm, status, install, uninstall. */
function runIntentCommand(command: IntentCommand, options: Options, io: CliIo): Promise<number> {
  const intentArgs = definedOnly({ config: options.config, snapshot: options.snapshot, netns: options.netns });
  const location = { json: options.json, ...definedOnly({ root: options.root, stateDir: options.stateDir }) };
  switch (command) {
    case 'plan':
      return runPlan({ ...intentArgs, json: options.json, ...definedOnly({ format: options.format, root: options.root }) }, io);
    case 'apply':
      return runApply({ ...intentArgs, ...location, ...definedOnly({ confirm: options.confirm }) }, { io, env: process.env });
    case 'rollback':
      return runRollback({ ...location, ...definedOnly({ unlessConfirmed: options.unlessConfirmed }) }, io);
    case 'confirm':
      return runConfirm(location, io);
    case 'status':
      return runStatus(location, io);
    case 'install':
      return runInstall({ ...intentArgs, ...location, systemctl: options.enable }, io);
    case 'uninstall':
      return runUninstall({ ...location, systemctl: options.disable }, io);
  }
}

/** The fields that are set (exactOptionalPropertyTypes: an absent option must be an absent key). */
function definedOnly<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: string };
}

function optionWord(name: OptionName): string {
  const words: Record<OptionName, string> = {
    family: '-4/-6', json: '-j', details: '-d', explain: '--explain', debug: '--debug', help: '--help',
    version: '--version', snapshot: '--snapshot', batch: '--batch', summary: '--summary', output: '-o', netns: '--netns',
    reply: '--reply', fromLocal: '--from-local', uid: '--uid', gid: '--gid',
    config: '-c', confirm: '--confirm', unlessConfirmed: '--unless-confirmed', root: '--root', stateDir: '--state-dir',
    format: '--format', enable: '--enable', disable: '--disable',
  };
  return words[name];
}

/** One line naming the problem, then a hint; the stack only with --debug. */
export function reportError(err: unknown, io: CliIo, debug: boolean): number {
  const style = messageStyle(io.stderr);
  if (err instanceof PbrError) {
    const head = err instanceof UnknownDeviceError ? err.message : `pbr: ${err.message}`;
    io.stderr.write(`${style.error(head)}\n`);
    if (err.hint) io.stderr.write(`${style.hint(`hint: ${err.hint}`)}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`${style.error(`pbr: internal error: ${message}, please report`)}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  else io.stderr.write(`${style.hint('hint: run again with --debug for the stack trace, and include it in the report')}\n`);
  return ExitCode.internal;
}

/** Runs pbr with these arguments on this I/O; returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let debug = argv.includes('--debug');
  let code: number;
  try {
    const inv = parseInvocation(argv);
    debug = inv.options.debug;
    code = await dispatch(inv, io);
  } catch (err) {
    code = reportError(err, io, debug);
  }
  await io.stdout.flush();
  await io.stderr.flush();
  return code;
}

export function main(argv: string[]): Promise<number> {
  return runCli(argv, processIo());
}
