// A network namespace for the benchmark: veth uplinks, policy rules and N routes in a few tables, loaded by `ip -batch`.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPrefix } from '../src/addr/prefix.ts';
import type { Family, IpPrefix } from '../src/addr/types.ts';
import { syntheticPrefixes } from './synthetic-prefixes.ts';

interface Uplink {
  readonly dev: string;
  readonly peer: string;
  readonly local4: string;
  readonly gateway4: string;
  readonly local6: string;
  readonly gateway6: string;
}

const UPLINKS: readonly Uplink[] = ['a', 'b', 'c'].map((n, i) => ({
  dev: `${n}0`,
  peer: `${n}1`,
  local4: `10.${i}.0.1`,
  gateway4: `10.${i}.0.2`,
  local6: `fd00:${n}::1`,
  gateway6: `fd00:${n}::2`,
}));

/** Routes go round-robin into these tables; every table also gets a default route. */
const TABLES: readonly string[] = ['main', '100', '200', '300'];

/** Selectors of the benchmark queries, each matched by one rule below (the empty one by none). */
export const QUERY_SELECTORS: Readonly<Record<Family, readonly string[]>> = {
  4: ['', 'from 10.1.0.1', 'mark 2', 'ipproto tcp dport 443'],
  6: ['', 'from fd00:b::1', 'mark 2', 'ipproto tcp dport 443'],
};

/** The rules of both families (besides the default ones): from, fwmark, ipproto/dport, suppress, catch-all. */
const RULES: Readonly<Record<Family, readonly string[]>> = {
  4: ['from 10.1.0.0/24 lookup 100 pref 100', 'fwmark 0x2/0xff lookup 200 pref 200', 'ipproto tcp dport 443 lookup 300 pref 300'],
  6: ['from fd00:b::/64 lookup 100 pref 100', 'fwmark 0x2/0xff lookup 200 pref 200', 'ipproto tcp dport 443 lookup 300 pref 300'],
};
const COMMON_RULES: readonly string[] = ['lookup main suppress_prefixlength 0 pref 400', 'lookup 100 pref 500'];

/** Whether an IPv4 prefix would clash with the lab's own addresses or mean something special (10/8, 127/8). */
function isLabPrefix4(p: IpPrefix): boolean {
  const top = p.address.family === 4 ? p.address.value >>> 24 : -1;
  return p.length < 8 || top === 10 || top === 127;
}

/** `count` routes, one IPv6 for every four IPv4 ones, seeded; the first k of them are the k-route table. */
export function labPrefixes(count: number, seed = 7): IpPrefix[] {
  const count6 = Math.floor(count / 5);
  const v4 = syntheticPrefixes(4, Math.ceil((count - count6) * 1.05) + 16, seed).filter((p) => !isLabPrefix4(p));
  const v6 = syntheticPrefixes(6, count6, seed);
  const out: IpPrefix[] = [];
  let i4 = 0;
  let i6 = 0;
  for (let i = 0; i < count; i++) {
    const p = i % 5 === 4 && i6 < v6.length ? v6[i6++] : v4[i4++];
    if (!p) throw new Error(`labPrefixes: ran out of IPv4 prefixes at ${i}`);
    out.push(p);
  }
  return out;
}

function routeLine(p: IpPrefix, i: number): string {
  const table = TABLES[i % TABLES.length]!;
  const uplink = UPLINKS[Math.floor(i / TABLES.length) % UPLINKS.length]!;
  const gateway = p.address.family === 4 ? uplink.gateway4 : uplink.gateway6;
  return `route add ${formatPrefix(p)} via ${gateway} dev ${uplink.dev} table ${table}\n`;
}

function run(argv: readonly string[]): string {
  const [program, ...args] = argv;
  return execFileSync(program!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class NetnsLab {
  private loaded = 0;

  private constructor(
    readonly name: string,
    private readonly workDir: string,
    private readonly prefixes: readonly IpPrefix[],
  ) {}

  /**
   * Creates namespace `name` with the uplinks, default routes and rules; throws (after deleting it) when that fails.
   * `prefixes` are the routes addRoutes() loads, in order.
   */
  static create(name: string, workDir: string, prefixes: readonly IpPrefix[]): NetnsLab {
    run(['ip', 'netns', 'add', name]);
    const lab = new NetnsLab(name, workDir, prefixes);
    try {
      lab.setUp();
    } catch (error) {
      lab.delete();
      throw error;
    }
    return lab;
  }

  private setUp(): void {
    const lines: string[] = ['link set lo up\n'];
    for (const u of UPLINKS) {
      lines.push(`link add ${u.dev} type veth peer name ${u.peer}\n`, `link set ${u.dev} up\n`, `link set ${u.peer} up\n`);
      lines.push(`addr add ${u.local4}/24 dev ${u.dev}\n`, `addr add ${u.local6}/64 dev ${u.dev} nodad\n`);
    }
    TABLES.forEach((table, i) => {
      const u = UPLINKS[i % UPLINKS.length]!;
      lines.push(`route add default via ${u.gateway4} dev ${u.dev} table ${table}\n`, `route add default via ${u.gateway6} dev ${u.dev} table ${table}\n`);
    });
    this.batch(lines.join(''), 'setup');
    for (const family of [4, 6] as const) {
      for (const rule of [...RULES[family], ...COMMON_RULES]) run(['ip', `-${family}`, '-n', this.name, 'rule', 'add', ...rule.split(' ')]);
    }
  }

  private batch(text: string, label: string): void {
    const file = join(this.workDir, `lab-${label}.batch`);
    writeFileSync(file, text);
    run(['ip', '-n', this.name, '-batch', file]);
  }

  /** Routes loaded so far (the first `count` of the prefixes given to create). */
  get routeCount(): number {
    return this.loaded;
  }

  /** The prefixes loaded so far, by family (what queries should hit). */
  loadedPrefixes(family: Family): IpPrefix[] {
    return this.prefixes.slice(0, this.loaded).filter((p) => p.address.family === family);
  }

  /** Loads routes until `count` are in; returns the milliseconds `ip -batch` took. */
  addRoutes(count: number): number {
    if (count > this.prefixes.length) throw new Error(`only ${this.prefixes.length} routes were prepared, ${count} wanted`);
    const lines: string[] = [];
    for (let i = this.loaded; i < count; i++) lines.push(routeLine(this.prefixes[i]!, i));
    const start = performance.now();
    this.batch(lines.join(''), `routes-${count}`);
    this.loaded = Math.max(this.loaded, count);
    return performance.now() - start;
  }

  delete(): void {
    spawnSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
  }
}

/** Whether this process can create network namespaces, and why not. */
export function netnsUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root and ip netns';
  const probe = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : 'needs root and ip netns';
}
