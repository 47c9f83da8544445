// pbr apply on the lab's router: the intent, foreign objects of other tools, the CLI in-process, and what the
// router's kernel counted (captures, rp_filter drops, a burst of connections).
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runApply } from '../../src/cli/apply-command.ts';
import { reportError, runCli } from '../../src/cli/main.ts';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import { runProgram } from '../../src/host/exec.ts';
import { SOURCE_KEYS, type CapturedSource } from '../../src/model/snapshot.ts';
import { comparableSources } from '../apply/comparable-snapshot.ts';
import { memoryIo } from '../cli/memory-io.ts';
import { ADDR, ADDR6, ISP2_RULE_PREF, ISP2_TABLE, NFT_MASQUERADE, applyNft, runIn, setSysctls, type Lab, type LabNode } from './lab.ts';

/** The TCP port of the balanced policy. */
export const BALANCE_PORT = 8080;
/** A TCP port no policy names: it leaves by the intent's default uplink. */
export const UNMATCHED_PORT = 5001;

/** The router's intent: ssh over isp2, http over isp1, port 8080 balanced 3:1, everything else over isp1. */
export const ROUTER_INTENT = `uplinks:
  isp1: { interface: wan1, gateway: ${ADDR.isp1}, gateway6: "${ADDR6.isp1}" }
  isp2: { interface: wan2, gateway: ${ADDR.isp2}, gateway6: "${ADDR6.isp2}" }
policies:
  - name: ssh-via-isp2
    match: { proto: tcp, dport: 22 }
    via: isp2
  - name: web-via-isp1
    match: { proto: tcp, dport: [80, 443] }
    via: isp1
  - name: balanced
    match: { proto: tcp, dport: ${BALANCE_PORT} }
    via: { balance: { isp1: 3, isp2: 1 } }
default: isp1
options:
  forwarding: true
`;

const FOREIGN_NFT = `table ip docker-like {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "docker0" counter accept
  }
}
`;

/**
 * A wg-quick-like rule and table, and a Docker-like nft table beside the lab's masquerade: pbr must leave them alone.
 * The lab's `fwmark 0x1 lookup 200` (full mask) reads the mark bits pbr owns, a conflict pbr refuses; it becomes
 * `fwmark 0x1/0xff`, a foreign rule on bits of its own.
 */
async function placeForeignObjects(lab: Lab): Promise<void> {
  await applyNft(lab, NFT_MASQUERADE + FOREIGN_NFT);
  for (const family of ['-4', '-6']) {
    await runIn(lab, 'router', ['ip', family, 'rule', 'del', 'pref', String(ISP2_RULE_PREF)]);
    await runIn(lab, 'router', ['ip', family, 'rule', 'add', 'pref', String(ISP2_RULE_PREF), 'fwmark', '0x1/0xff', 'lookup', String(ISP2_TABLE)]);
  }
  await runIn(lab, 'router', ['ip', 'rule', 'add', 'pref', '500', 'from', '10.9.0.0/16', 'lookup', '51820']);
  await runIn(lab, 'router', ['ip', 'route', 'add', '10.9.0.0/16', 'via', '192.0.2.3', 'dev', 'wan1', 'table', '51820']);
  await runIn(lab, 'router', ['ip', '-6', 'route', 'add', 'fd99::/64', 'via', '2001:db8:1::3', 'dev', 'wan1', 'table', '51820']);
}

/** Strict reverse-path filtering on every router interface. */
async function setStrictRpFilter(lab: Lab): Promise<void> {
  await setSysctls(lab, 'router', Object.fromEntries(['all', 'default', 'lan', 'wan1', 'wan2'].map((dev) => [`net.ipv4.conf.${dev}.rp_filter`, 1])));
}

/** Points the router's main-table default routes (IPv4 and IPv6) at this ISP; the lab builds them via isp1. */
export async function routeMainDefaultVia(lab: Lab, isp: 'isp1' | 'isp2'): Promise<void> {
  const dev = isp === 'isp1' ? 'wan1' : 'wan2';
  await runIn(lab, 'router', ['ip', 'route', 'replace', 'default', 'via', ADDR[isp], 'dev', dev]);
  await runIn(lab, 'router', ['ip', '-6', 'route', 'replace', 'default', 'via', ADDR6[isp], 'dev', dev]);
}

/** What pbr works on: the intent file, the router's namespace, and the root that keeps pbr's files and state. */
export interface RouterTarget {
  readonly config: string;
  readonly netns: string;
  readonly root: string;
}

/** `-c FILE --netns NS --root DIR` */
export function targetArgs(target: RouterTarget): string[] {
  return ['-c', target.config, '--netns', target.netns, '--root', target.root];
}

/** The router before pbr: foreign objects, strict rp_filter; the intent written under root. */
export async function prepareRouter(lab: Lab, root: string): Promise<RouterTarget> {
  await placeForeignObjects(lab);
  await setStrictRpFilter(lab);
  const config = join(root, 'pbr.yaml');
  await writeFile(config, ROUTER_INTENT);
  return { config, netns: lab.ns.router, root };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every file under ROOT/etc (pbr's rt_tables.d entry lives there) with its content; the capture reads the machine's /etc instead. */
export async function readEtcFiles(root: string): Promise<Record<string, string>> {
  const etc = join(root, 'etc');
  const entries = await readdir(etc, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    files[path] = entry.isFile() ? await readFile(path, 'utf8') : `(${entry.isDirectory() ? 'directory' : 'other'})`;
  }
  return files;
}

/** Runs the pbr CLI in-process. */
export async function runPbr(args: readonly string[]): Promise<CliRun> {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

/**
 * `PBR_FAIL_STEP=failStep pbr apply …` in-process: the CLI's apply command with that environment of its own, so
 * applies in several labs at once don't see each other's (runCli hands it process.env).
 */
export async function applyFailingAt(target: RouterTarget, failStep: string): Promise<CliRun> {
  const io = memoryIo();
  const code = await runApply({ ...target, json: false }, { io, env: { PBR_FAIL_STEP: failStep } }).catch((error: unknown) => reportError(error, io, true));
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

/** `ip -j neigh` with only the entries someone configured: the kernel adds and ages the others with traffic (IPv6 router solicitations of the client, too). */
function configuredNeighbours(source: CapturedSource): CapturedSource {
  if (source.exitCode !== 0) return source;
  const entries = JSON.parse(source.stdout) as { state?: string[] }[];
  return { ...source, stdout: JSON.stringify(entries.filter((entry) => entry.state?.includes('PERMANENT'))) };
}

/** The router's captured state minus what changes on its own. */
export async function captureRouter(lab: Lab): Promise<Record<string, string>> {
  const snapshot = await captureSnapshot({ netns: lab.ns.router });
  const neigh = snapshot.sources[SOURCE_KEYS.neigh];
  return comparableSources(neigh === undefined ? snapshot : { ...snapshot, sources: { ...snapshot.sources, [SOURCE_KEYS.neigh]: configuredNeighbours(neigh) } });
}

/** The router's TcpExt IPReversePathFilter counter: packets the kernel dropped for failing rp_filter. */
export async function readRpFilterDrops(lab: Lab): Promise<number> {
  const netstat = await runIn(lab, 'router', ['cat', '/proc/net/netstat']);
  const lines = netstat.stdout.split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const at = names.indexOf('IPReversePathFilter');
  if (at < 0) throw new Error('no IPReversePathFilter in /proc/net/netstat');
  return Number(values[at]);
}

export interface BurstResult {
  readonly ok: number;
  readonly failed: number;
  readonly errors: Readonly<Record<string, number>>;
  /** the source address the server saw, with how many connections */
  readonly peers: Readonly<Record<string, number>>;
}

const BURST = fileURLToPath(new URL('./apply-burst.mjs', import.meta.url));

/** `count` TCP connections from a node to to:port, `parallel` at a time, each with a fresh source port. */
export async function burst(lab: Lab, node: LabNode, options: { to: string; port: number; count: number; parallel: number }): Promise<BurstResult> {
  const argv = [process.execPath, BURST, '--to', options.to, '--port', String(options.port), '--count', String(options.count), '--parallel', String(options.parallel)];
  const result = await runProgram(argv, { netns: lab.ns[node] });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as BurstResult;
}
