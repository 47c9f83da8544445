// Captures the routing state of this network namespace (or a named one) as raw outputs: `pbr snapshot`.
import { hostname } from 'node:os';
import { SystemError } from '../model/errors.ts';
import {
  RT_TABLES_SOURCE_PREFIX,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  SOURCE_KEYS,
  type CapturedSource,
  type SnapshotFile,
} from '../model/snapshot.ts';
import { netnsArgv, programExists, runProgram, SpawnError, type ExecOptions, type ExecResult } from './exec.ts';

export type Runner = (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export interface CaptureOptions {
  /** capture inside this network namespace (needs root) */
  readonly netns?: string;
  /** replaces runProgram (tests) */
  readonly run?: Runner;
  /** replaces the PATH lookup for optional tools (tests) */
  readonly programExists?: (name: string) => Promise<boolean>;
  readonly now?: () => Date;
}

/** The `ip` dumps, in the order they are stored. */
const IP_SOURCES: readonly (readonly [string, readonly string[]])[] = [
  [SOURCE_KEYS.link, ['ip', '-d', '-j', 'link', 'show']],
  [SOURCE_KEYS.addr, ['ip', '-j', 'addr', 'show']],
  // -d: without it ip leaves out the rule protocol when it is kernel or unspec
  [SOURCE_KEYS.rule4, ['ip', '-d', '-j', '-4', 'rule', 'show']],
  [SOURCE_KEYS.rule6, ['ip', '-d', '-j', '-6', 'rule', 'show']],
  [SOURCE_KEYS.route4, ['ip', '-d', '-j', '-4', 'route', 'show', 'table', 'all']],
  [SOURCE_KEYS.route6, ['ip', '-d', '-j', '-6', 'route', 'show', 'table', 'all']],
  [SOURCE_KEYS.nexthop, ['ip', '-d', '-j', 'nexthop', 'show']],
  [SOURCE_KEYS.neigh, ['ip', '-j', 'neigh', 'show', 'nud', 'all']],
  [SOURCE_KEYS.maddr, ['ip', '-j', 'maddr', 'show']],
];

/**
 * Every sysctl below net/ipv4 and net/ipv6 (per-device conf included) in one read inside the netns; not the
 * neighbour tables, write-only files, or secrets (stable_secret, tcp_fastopen_key) a bug report must not carry.
 */
const SYSCTL_ARGV: readonly string[] = [
  'grep', '-r', '--exclude-dir=neigh', '--exclude=stable_secret', '--exclude=flush', '--exclude=tcp_fastopen_key', '.',
  '/proc/sys/net/ipv4', '/proc/sys/net/ipv6',
];

interface FirewallSource {
  readonly key: string;
  readonly argv: readonly string[];
  /** the legacy dump, taken only when this one's stderr says legacy tables exist (running it can load kernel modules) */
  readonly legacy?: { readonly key: string; readonly argv: readonly string[] };
}

/** Firewall rulesets: optional tools; their absence is a note. */
const FIREWALL_SOURCES: readonly FirewallSource[] = [
  { key: SOURCE_KEYS.nft, argv: ['nft', '-j', 'list', 'ruleset'] },
  { key: SOURCE_KEYS.iptables, argv: ['iptables-save'], legacy: { key: SOURCE_KEYS.iptablesLegacy, argv: ['iptables-legacy-save'] } },
  { key: SOURCE_KEYS.ip6tables, argv: ['ip6tables-save'], legacy: { key: SOURCE_KEYS.ip6tablesLegacy, argv: ['ip6tables-legacy-save'] } },
];

/** iptables-nft-save's stderr when the legacy backend holds tables too (`# Warning: iptables-legacy tables present, …`) */
const LEGACY_TABLES_PRESENT = /legacy tables present/;

/** The nft rules as their author reads them, with handles; taken only when `nft -j` worked. */
const NFT_TEXT_ARGV: readonly string[] = ['nft', '-a', 'list', 'ruleset'];

const ETC_DIR = '/etc/iproute2';
const USR_DIR = '/usr/share/iproute2';

export async function captureSnapshot(options: CaptureOptions = {}): Promise<SnapshotFile> {
  const run = settle(options.run ?? runProgram);
  const exists = options.programExists ?? programExists;
  const netns = options.netns;
  const inNetns: ExecOptions = netns === undefined ? {} : { netns };
  const notes: string[] = [];
  if (netns !== undefined) await checkNetns(run, netns);
  const capturedAt = (options.now ?? (() => new Date()))().toISOString();

  const uname = await run(['uname', '-r']);
  const ipResults = Promise.all(IP_SOURCES.map(async ([key, argv]) => [key, await run(argv, inNetns)] as const));
  const fibTriestat = run(['cat', '/proc/net/fib_triestat'], inNetns);
  const sysctl = run(SYSCTL_ARGV, inNetns);
  const runOptional = async (key: string, argv: readonly string[]): Promise<OptionalCapture> => {
    const program = argv[0] ?? '';
    return { key, program, result: (await exists(program)) ? await run(argv, inNetns) : undefined };
  };
  const firewall = Promise.all(FIREWALL_SOURCES.map(async ({ key, argv, legacy }) => {
    const main = await runOptional(key, argv);
    const withLegacy = legacy !== undefined && main.result !== undefined && LEGACY_TABLES_PRESENT.test(main.result.stderr);
    return withLegacy ? [main, await runOptional(legacy.key, legacy.argv)] : [main];
  }));
  const rtTables = captureRtTables(run, inNetns);

  const sources: Record<string, CapturedSource> = {};
  const store = (key: string, result: ExecResult, what: string, hint = ''): void => {
    sources[key] = fromResult(result);
    if (result.exitCode !== 0) {
      const detail = stderrSummary(result.stderr);
      notes.push(`${what} (${result.argv.join(' ')}) exited ${result.exitCode}${detail ? `: ${detail}` : ''}${hint}`);
    }
  };
  store(SOURCE_KEYS.kernelRelease, uname, 'kernel release');
  const ips = await ipResults;
  for (const [key, result] of ips) store(key, result, key);
  store(SOURCE_KEYS.fibTriestat, await fibTriestat, '/proc/net/fib_triestat');
  store(SOURCE_KEYS.sysctl, await sysctl, 'some sysctls could not be read');
  for (const { key, program, result } of (await firewall).flat()) {
    if (result === undefined) notes.push(`${program} is not installed: ${key} not captured`);
    else store(key, result, `${key} not captured`, /Permission denied|Operation not permitted/.test(result.stderr) ? ' (run as root to record it)' : '');
  }
  if (sources[SOURCE_KEYS.nft]?.exitCode === 0) store(SOURCE_KEYS.nftText, await run(NFT_TEXT_ARGV, inNetns), `${SOURCE_KEYS.nftText} not captured`);
  const tables = await rtTables;
  notes.push(...tables.notes);
  for (const [path, source] of tables.files) sources[`${RT_TABLES_SOURCE_PREFIX}${path}`] = source;

  if (ips.every(([, result]) => result.exitCode !== 0)) {
    const first = ips[0]?.[1];
    throw new SystemError(`every ip command failed${first ? `: ${stderrSummary(first.stderr)}` : ''}`, 'check that iproute2 works: ip link show');
  }
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    capturedAt,
    kernelRelease: uname.exitCode === 0 ? uname.stdout.trim() : '',
    ...(netns === undefined ? {} : { netns }),
    hostname: hostname(),
    sources,
    notes,
  };
}

interface OptionalCapture {
  readonly key: string;
  readonly program: string;
  /** undefined: the program is not installed */
  readonly result: ExecResult | undefined;
}

async function checkNetns(run: Runner, netns: string): Promise<void> {
  const result = await run(['true'], { netns });
  if (result.exitCode !== 0) {
    throw new SystemError(
      `cannot enter network namespace "${netns}": ${stderrSummary(result.stderr) || `exit status ${result.exitCode}`}`,
      'list namespaces with `ip netns list`; entering one needs root',
    );
  }
}

interface RtTablesCapture {
  /** path → content, in the order iproute2 reads them */
  readonly files: readonly (readonly [string, CapturedSource])[];
  readonly notes: readonly string[];
}

/**
 * rt_tables as iproute2 ≥ 6.7 reads it: /etc/iproute2/rt_tables, else /usr/share/iproute2/rt_tables; then
 * /usr/share/iproute2/rt_tables.d/*.conf not overridden by a file of the same name in /etc/iproute2/rt_tables.d;
 * then /etc/iproute2/rt_tables.d/*.conf; directories in readdir order (`ls -f`). iproute2 6.1 reads only the
 * /etc files, which is the same list wherever /usr/share/iproute2 does not exist.
 */
// mirrors rtnl_rttable_initialize() and rtnl_tabhash_readdir(), lib/rt_names.c
async function captureRtTables(run: Runner, inNetns: ExecOptions): Promise<RtTablesCapture> {
  const notes: string[] = [];
  const read = async (path: string): Promise<CapturedSource | undefined> => {
    const result = await run(['cat', path], inNetns);
    if (result.exitCode === 0) return { ...fromResult(result), path };
    if (!/No such file or directory/.test(result.stderr)) notes.push(`cannot read ${path}: ${stderrSummary(result.stderr)}`);
    return undefined;
  };
  const list = async (dir: string): Promise<string[]> => {
    const result = await run(['ls', '-f', dir], inNetns);
    if (result.exitCode !== 0) return [];
    return result.stdout.split('\n').filter((name) => name !== '' && name !== '.' && name !== '..');
  };
  const isConf = (name: string): boolean => !name.startsWith('.') && name.length > 5 && name.endsWith('.conf');

  const files: (readonly [string, CapturedSource])[] = [];
  for (const path of [`${ETC_DIR}/rt_tables`, `${USR_DIR}/rt_tables`]) {
    const source = await read(path);
    if (source) {
      files.push([path, source]);
      break;
    }
  }
  const [usrNames, etcNames] = await Promise.all([list(`${USR_DIR}/rt_tables.d`), list(`${ETC_DIR}/rt_tables.d`)]);
  const paths = [
    ...usrNames.filter((name) => isConf(name) && !etcNames.includes(name)).map((name) => `${USR_DIR}/rt_tables.d/${name}`),
    ...etcNames.filter(isConf).map((name) => `${ETC_DIR}/rt_tables.d/${name}`),
  ];
  const contents = await Promise.all(paths.map(read));
  paths.forEach((path, i) => {
    const source = contents[i];
    if (source) files.push([path, source]);
  });
  return { files, notes };
}

/** A runner whose spawn failures become results (exit 127, the reason on stderr), so one missing tool is a note. */
function settle(run: Runner): Runner {
  return async (argv, options) => {
    try {
      return await run(argv, options);
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      return { argv: netnsArgv(argv, options?.netns), exitCode: 127, stdout: '', stderr: error.message };
    }
  };
}

function fromResult(result: ExecResult): CapturedSource {
  return { argv: result.argv, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** The first lines of stderr, joined, for a note. */
function stderrSummary(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.slice(0, 3).join('; ') + (lines.length > 3 ? `; … (${lines.length - 3} more)` : '');
}
