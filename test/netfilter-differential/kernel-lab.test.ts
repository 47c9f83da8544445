// The kernel side of the netfilter differential on its own: hand-written rule sets whose outcome is known
// (marks steering uplinks, reroute only from route chains, CONNMARK restore on replies, drops, an
// unreachable table, which input device POSTROUTING sees) must be observed exactly so. Needs root and ip netns (skips otherwise, unless
// PBR_REQUIRE_NETNS=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDirection, type DirectionOutcome, type ProbeOutcome } from './kernel-outcome.ts';
import { labUnavailableReason, withLab } from './lab.ts';
import { describeProbe, PortAllocator, type ProbeKind } from './probes.ts';
import { runRuleset } from './run-ruleset.ts';
import type { GenRuleset } from './ruleset-types.ts';

const out = (dev: string, mark = 0, ctmark = 0): DirectionOutcome => ({ fate: 'out', dev, mark, ctmark });
const delivered = (dev: string, mark = 0, ctmark = 0): DirectionOutcome => ({ fate: 'in', dev, mark, ctmark });
const gone: DirectionOutcome = { fate: 'gone' };

interface Case {
  readonly name: string;
  readonly ruleset: GenRuleset;
  readonly probes: readonly (readonly [ProbeKind, 'tcp' | 'udp', number, ProbeOutcome])[];
}

/** nft: ssh marked in prerouting (and its ct mark set), replies restore `ct mark and 0x3`; http from the router marked in OUTPUT. */
function nftCase(outputType: 'route' | 'filter'): GenRuleset {
  return {
    syntax: 'nft', seed: 0, tables: [
      { family: 'ip', name: 'pbrm', chains: [
        { name: 'pre', base: { hook: 'prerouting', type: 'filter', priority: -150, policy: 'accept' }, rules: [
          { matches: [{ kind: 'dport', proto: 'tcp', ranges: [[22, 22]], negate: false }], actions: [
            { kind: 'nft-set', target: 'mark', source: 'const', value: 0x1, ops: [] },
            { kind: 'nft-set', target: 'ctmark', source: 'const', value: 0x11, ops: [] },
          ] },
          { matches: [{ kind: 'dport', proto: 'udp', ranges: [[53, 53]], negate: false }], actions: [], verdict: { kind: 'drop' } },
        ] },
        { name: 'out', base: { hook: 'output', type: outputType, priority: -150, policy: 'accept' }, rules: [
          { matches: [{ kind: 'dport', proto: 'tcp', ranges: [[80, 80]], negate: false }], actions: [{ kind: 'nft-set', target: 'mark', source: 'const', value: 0x2, ops: [] }] },
          { matches: [{ kind: 'dport', proto: 'tcp', ranges: [[443, 443]], negate: false }], actions: [{ kind: 'nft-set', target: 'mark', source: 'const', value: 0x3, ops: [] }] },
        ] },
      ] },
      { family: 'inet', name: 'pbrm2', chains: [
        { name: 'pre2', base: { hook: 'prerouting', type: 'filter', priority: -140, policy: 'accept' }, rules: [
          { matches: [{ kind: 'ctdir', dir: 'reply' }], actions: [{ kind: 'nft-set', target: 'mark', source: 'ctmark', value: 0, ops: [{ op: 'and', value: 0x3 }] }] },
        ] },
      ] },
    ],
  };
}

const CASES: readonly Case[] = [
  {
    name: 'nft: prerouting marks steer forwarded ssh, a route chain reroutes local http, replies restore the ct mark',
    ruleset: nftCase('route'),
    probes: [
      ['forward', 'tcp', 22, { request: out('up2', 0x1, 0x11), reply: out('up2', 0x1, 0x11) }],
      ['forward', 'tcp', 80, { request: out('up1'), reply: out('lan') }],
      ['forward', 'udp', 53, { request: gone }],
      ['local', 'tcp', 80, { request: out('up3', 0x2), reply: delivered('up3') }],
      ['local', 'tcp', 443, { request: gone }],
      ['inbound', 'tcp', 22, { request: delivered('lan', 0x1, 0x11), reply: out('lan', 0, 0x11) }],
    ],
  },
  {
    name: 'nft: the same mark set in a filter output chain does not reroute',
    ruleset: nftCase('filter'),
    probes: [
      ['local', 'tcp', 80, { request: out('up1', 0x2), reply: delivered('up1') }],
      ['local', 'tcp', 443, { request: out('up1', 0x3), reply: delivered('up1') }],
    ],
  },
  {
    name: 'iptables: MARK and CONNMARK save/restore with masks, mangle OUTPUT reroutes',
    ruleset: {
      syntax: 'iptables', seed: 0, tables: [{ family: 'ip', name: 'mangle', chains: [
        { name: 'PREROUTING', base: { hook: 'prerouting', type: 'filter', priority: -150, policy: 'accept' }, rules: [
          { matches: [{ kind: 'ctdir', dir: 'reply' }], actions: [{ kind: 'CONNMARK-restore', nfmask: 0x3, ctmask: 0xff }] },
          { matches: [{ kind: 'ctdir', dir: 'reply' }], actions: [], verdict: { kind: 'accept' } },
          { matches: [{ kind: 'proto', proto: 'tcp', form: 'l4proto' }, { kind: 'dport', proto: 'tcp', ranges: [[22, 22]], negate: false }], actions: [{ kind: 'MARK', option: 'set-xmark', value: 0x101, mask: 0xffffffff }] },
          { matches: [{ kind: 'ctstate', states: ['new'], negate: false, form: 'conntrack' }], actions: [{ kind: 'CONNMARK-save', mask: 0xff }] },
          { matches: [{ kind: 'proto', proto: 'udp', form: 'l4proto' }, { kind: 'dport', proto: 'udp', ranges: [[53, 53], [1000, 2000]], negate: false }], actions: [], verdict: { kind: 'jump', chain: 'u0' } },
        ] },
        { name: 'OUTPUT', base: { hook: 'output', type: 'route', priority: -150, policy: 'accept' }, rules: [
          { matches: [{ kind: 'proto', proto: 'tcp', form: 'l4proto' }, { kind: 'dport', proto: 'tcp', ranges: [[80, 80]], negate: false }], actions: [{ kind: 'MARK', option: 'or-mark', value: 0x2 }] },
          { matches: [{ kind: 'mark', values: [0x2], mask: 0x3, negate: false }], actions: [{ kind: 'CONNMARK', option: 'set-mark', value: 0x2, mask: 0x3 }] },
        ] },
        { name: 'u0', rules: [
          { matches: [{ kind: 'proto', proto: 'udp', form: 'l4proto' }, { kind: 'dport', proto: 'udp', ranges: [[1000, 1000]], negate: true }], actions: [], verdict: { kind: 'return' } },
          { matches: [], actions: [{ kind: 'MARK', option: 'set-mark', value: 0x2 }] },
        ] },
      ] }],
    },
    probes: [
      // PREROUTING: mark 0x101, save (mask 0xff) → ct 0x01; reply restores nfmask 0x3 ← ct & 0xff → mark 0x1
      ['forward', 'tcp', 22, { request: out('up2', 0x101, 0x1), reply: out('up2', 0x1, 0x1) }],
      ['forward', 'udp', 1000, { request: out('up3', 0x2) }],
      ['forward', 'udp', 53, { request: out('up1') }],
      // OUTPUT: or-mark 0x2 → reroute to up3; CONNMARK set-mark 0x2/0x3 → ct 0x2; the reply restores 0x2 & 0x3 but is local
      ['local', 'tcp', 80, { request: out('up3', 0x2, 0x2), reply: delivered('up3', 0x2, 0x2) }],
      ['local', 'tcp', 5000, { request: out('up1'), reply: delivered('up1') }],
    ],
  },
  {
    // ip_output() hands POSTROUTING skb->dev as indev: the input device of a forwarded packet, none of a local one
    name: 'nft: iifname in postrouting is the input device when forwarding and empty for local packets',
    ruleset: {
      syntax: 'nft', seed: 0, tables: [{ family: 'ip', name: 'pbrm', chains: [
        { name: 'post', base: { hook: 'postrouting', type: 'filter', priority: -150, policy: 'accept' }, rules: [
          { matches: [{ kind: 'iifname', names: ['lan'], negate: false }], actions: [{ kind: 'nft-set', target: 'mark', source: 'const', value: 0x10, ops: [] }] },
          { matches: [{ kind: 'iifname', names: ['up*'], negate: false }], actions: [{ kind: 'nft-set', target: 'mark', source: 'const', value: 0x20, ops: [] }] },
          { matches: [{ kind: 'iifname', names: ['up*', 'lan', 'lo'], negate: true }], actions: [{ kind: 'nft-set', target: 'ctmark', source: 'const', value: 0x30, ops: [] }] },
        ] },
      ] }],
    },
    probes: [
      ['forward', 'tcp', 22, { request: out('up1', 0x10), reply: out('lan', 0x20) }],
      ['local', 'tcp', 22, { request: out('up1', 0, 0x30), reply: delivered('up1', 0, 0x30) }],
      ['inbound', 'tcp', 22, { request: delivered('lan'), reply: out('lan', 0, 0x30) }],
    ],
  },
];

test('the kernel gives the known outcomes of hand-written rule sets', { timeout: 60_000 }, async (t) => {
  const reason = await labUnavailableReason();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  await withLab(async (lab) => {
    const ports = new PortAllocator();
    for (const c of CASES) {
      const probes = c.probes.map(([kind, proto, dport]) => ({ kind, proto, sport: ports.take(), dport }));
      const run = await runRuleset(lab, c.ruleset, probes, undefined);
      assert.equal(run.applyError, undefined, `${c.name}: the kernel refused\n${run.text}`);
      assert.deepEqual(run.kernel?.anomalies, [], c.name);
      probes.forEach((p, i) => {
        const got = run.kernel?.outcomes[i];
        const want = c.probes[i]?.[3];
        assert.deepEqual(got, want, `${c.name}\n${describeProbe(p)}: kernel ${formatDirection(got?.request)} / ${formatDirection(got?.reply)}\n${run.text}`);
      });
    }
  });
});
