// The real `ip` and kernel as the oracle for iproute2-mode parsing and for inet_ntop-style formatting:
// every form goes to `ip route add` / `ip rule add` in a scratch namespace and what the kernel kept is compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { formatIp } from './address.ts';
import { formatIpv6, ipv6FromWords } from './ipv6.ts';
import { formatRouteDst, kernelHostBitsPolicy, parsePrefixResult } from './prefix.ts';
import type { Family } from './types.ts';

const NS = `pbra-addr-${process.pid}`;

function ip(args: readonly string[], input?: string): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['-n', NS, ...args], { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for ip netns';
  const r = spawnSync('ip', ['netns', 'add', NS], { encoding: 'utf8' });
  if (r.status !== 0) return `ip netns add failed: ${r.stderr || r.error?.message}`;
  spawnSync('ip', ['netns', 'del', NS]);
  return undefined;
}

/** Runs fn in a fresh namespace NS with lo up, and deletes NS afterwards whatever happens. */
function inNamespace(fn: () => void): void {
  const added = spawnSync('ip', ['netns', 'add', NS], { encoding: 'utf8' });
  assert.equal(added.status, 0, added.stderr);
  try {
    assert.ok(ip(['link', 'set', 'lo', 'up']).ok);
    fn();
  } finally {
    spawnSync('ip', ['netns', 'del', NS]);
  }
}

const skipReason = netnsUnavailable();
if (skipReason && process.env.PBR_REQUIRE_NETNS === '1') throw new Error(`PBR_REQUIRE_NETNS=1 but ${skipReason}`);

const forms: [string, Family][] = [
  ...[
    '10.1/16', '10/8', '10.1.2/24', '010.1/16', '0x0a.2/16', '10.1.0.0/0x10', '10.2.0.0/255.255.0.0', '10.4/255.255', '+10.3/16',
    ' 10.4/16', '10.7/+16', '10.8/ 16', '12.0/016', '0x1/32', '00000000012/32', '0xA.0xB.0xC.0xD', '10. 1/16', '10.-0.2.0/24',
    '1.2.3.4', '10.0.0.1/8', '10.6/-0', '10.6/default', '14.0.0.0/-0x0', '1.2.3.4/0', 'default', 'all', 'any', 'default/0',
    '10.5./16', '11.0.0.0/33', '08.1/16', '10.7.0.0/', '12..1/16', '1.2.3.4.5', '256.1/16', '10.8/16x', '13.0.0.0/8.',
    '10.5/255.0.255.0', '10.9/0x', '10.10/-16', '0x/8', '10.11 /16', '4294967296/8', '10.-1/16', '1.2.3.4x', '10.0.0.0/8/8',
    '10.0.0.0/4294967296', '10.0.0.0/-4294967295', '0.0.0.0/0', '255.255.255.255/32', '127.1', '10.20/255.255.255.255',
  ].map((f): [string, Family] => [f, 4]),
  ...[
    '2001:db8::1/32', '2001:db8:6::/0x30', '2001:db8:b::/ 64', '2001:db8:c::/255.255.0.0', '::ffff:1.2.3.4/128', '::', '::/0',
    'default', 'any', '2001:db8:7::/129', 'fe80::1%lo', ' 2001:db8:5::/48', '2001:00db8:4::/48', '1::2::3', '::1.2.3.04',
    '2001:db8::/64', '2001:db8::1/127', '2001:DB8::/48', 'ffff::/1', '::ffff:0:0/96', '10.0.0.0/8',
  ].map((f): [string, Family] => [f, 6]),
];

test('iproute2-mode prefixes match what `ip route add` and `ip rule add` do', { skip: skipReason }, () => {
  inNamespace(() => {
    for (const [form, family] of forms) {
      const fam = `-${family}`;
      const routeExpected = parsePrefixResult(form, family, 'iproute2', kernelHostBitsPolicy('route', family));
      // `ip route add [to] any` reads "any" as the route type anycast (iproute2 matches type-name abbreviations first)
      const added = ip([fam, 'route', 'add', 'to', form, 'dev', 'lo', 'table', '100']);
      assert.equal(added.ok, routeExpected.kind === 'ok' && form !== 'any', `ip ${fam} route add to ${JSON.stringify(form)}: ${added.stderr.trim()}`);
      if (added.ok && routeExpected.kind === 'ok') {
        const shown = JSON.parse(ip([fam, '-j', 'route', 'show', 'table', '100']).stdout) as { dst: string }[];
        assert.deepEqual(shown.map((r) => r.dst), [formatRouteDst(routeExpected.prefix)], `route dst of ${JSON.stringify(form)}`);
        assert.ok(ip([fam, 'route', 'flush', 'table', '100']).ok);
      }
      const ruleExpected = parsePrefixResult(form, family, 'iproute2', kernelHostBitsPolicy('rule', family));
      const ruleAdded = ip([fam, 'rule', 'add', 'from', form, 'table', '100', 'pref', '100']);
      assert.equal(ruleAdded.ok, ruleExpected.kind === 'ok', `ip ${fam} rule add from ${JSON.stringify(form)}: ${ruleAdded.stderr.trim()}`);
      if (ruleExpected.kind === 'ok') {
        const rules = JSON.parse(ip([fam, '-j', 'rule', 'show']).stdout) as { priority: number; src: string; srclen?: number }[];
        const rule = rules.find((r) => r.priority === 100);
        const p = ruleExpected.prefix;
        const expected = p.length === 0 ? { src: 'all' } : { src: formatIp(p.address), ...(p.length === (family === 4 ? 32 : 128) ? {} : { srclen: p.length }) };
        assert.deepEqual(rule && { src: rule.src, ...(rule.srclen === undefined ? {} : { srclen: rule.srclen }) }, expected, `rule from ${JSON.stringify(form)}`);
        assert.ok(ip([fam, 'rule', 'del', 'pref', '100']).ok);
      }
    }
  });
});

test('formatIpv6 prints what `ip -6 route show` prints', { skip: skipReason }, () => {
  inNamespace(() => {
    // seeded zero-heavy addresses, so that runs of zero groups, ::ffff: and ::a.b.c.d tails all occur
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const groupChoices = [0, 0, 0, 0, 0xffff, 1];
    const addrs = Array.from({ length: 400 }, () => {
      const g = Array.from({ length: 8 }, () => (next() % 3 === 0 ? (next() >>> 16) : groupChoices[next() % groupChoices.length]!));
      return ipv6FromWords(g[0]! * 65536 + g[1]!, g[2]! * 65536 + g[3]!, g[4]! * 65536 + g[5]!, g[6]! * 65536 + g[7]!);
    });
    const fullForm = (w: bigint): string => w.toString(16).padStart(32, '0').replace(/(.{4})(?!$)/g, '$1:');
    const batch = addrs.map((a) => `route replace ${fullForm(a.value)}/128 dev lo table 101\n`).join('');
    const loaded = ip(['-6', '-batch', '-'], batch);
    assert.ok(loaded.ok, loaded.stderr);
    const shown = (JSON.parse(ip(['-6', '-j', 'route', 'show', 'table', '101']).stdout) as { dst: string }[]).map((r) => r.dst).sort();
    assert.deepEqual(shown, [...new Set(addrs.map(formatIpv6))].sort());
  });
});
