// Source address selection; expectations are the `src` kernel 6.18.44 printed for the same setups.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIp } from '../../addr/address.ts';
import { ExplainSink } from '../explain.ts';
import { buildIpv6Context } from './context.ts';
import { selectSourceAddress6 } from './source-address.ts';
import { ip6, Ipv6StateBuilder, threeLinkLab } from './test-support.ts';

interface Case {
  readonly name: string;
  readonly state: Ipv6StateBuilder;
  /** the route's device (fib6_info_nh_dev), undefined for none */
  readonly dev?: string;
  readonly dst: string;
  readonly expect: string | undefined;
}

const cases: readonly Case[] = [
  { name: 'same address wins (rule 1)', state: threeLinkLab(), dev: 'a0', dst: '2001:db8:c::1', expect: '2001:db8:c::1' },
  { name: 'global destination: the output device address (rule 5)', state: threeLinkLab(), dev: 'b0', dst: '2001:db8:9::1', expect: '2001:db8:b::1' },
  { name: 'link-local destination: only the device, link-local scope', state: threeLinkLab(), dev: 'c0', dst: 'fe80::1', expect: 'fe80::c0' },
  { name: '::1 through a0: only a0, the closest scope (link-local)', state: threeLinkLab(), dev: 'a0', dst: '::1', expect: 'fe80::a0' },
  { name: 'newest address first on a tie', state: threeLinkLab().address('b0', '2001:db8:b::99/64', ['nodad']), dev: 'b0', dst: '2001:db8:b::5', expect: '2001:db8:b::99' },
  { name: 'deprecated address avoided (rule 3)', state: threeLinkLab().address('a0', '2001:db8:a::77/64', ['nodad', 'deprecated']), dev: 'a0', dst: '2001:db8:a::76', expect: '2001:db8:a::1' },
  { name: 'tentative address is no candidate', state: threeLinkLab().address('c0', '2001:db8:c::44/64', ['tentative']), dev: 'c0', dst: '2001:db8:c::5', expect: '2001:db8:c::1' },
  { name: 'own tentative address as destination still takes another source', state: threeLinkLab().address('c0', '2001:db8:c::44/64', ['tentative']), dev: 'c0', dst: '2001:db8:c::44', expect: '2001:db8:c::1' },
  {
    name: 'optimistic address avoided without use_optimistic',
    state: threeLinkLab().address('c0', '2001:db8:c::45/64', ['optimistic', 'tentative']).sysctl('net/ipv6/conf/c0/optimistic_dad', 1),
    dev: 'c0',
    dst: '2001:db8:c::5',
    expect: '2001:db8:c::1',
  },
  {
    name: 'with use_optimistic it still loses on the last rule',
    state: threeLinkLab()
      .address('c0', '2001:db8:c::45/64', ['optimistic', 'tentative'])
      .sysctl('net/ipv6/conf/c0/optimistic_dad', 1)
      .sysctl('net/ipv6/conf/c0/use_optimistic', 1),
    dev: 'c0',
    dst: '2001:db8:c::5',
    expect: '2001:db8:c::1',
  },
  { name: 'a matching label does not beat the output device', state: threeLinkLab().address('c0', 'fd00::1/64', ['nodad']), dev: 'a0', dst: 'fd00:1::1', expect: '2001:db8:a::1' },
  { name: 'matching label on the same device', state: threeLinkLab().address('c0', 'fd00::1/64', ['nodad']), dev: 'c0', dst: 'fd00:1::1', expect: 'fd00::1' },
  {
    name: 'use_oif_addrs_only keeps a global destination on the device',
    state: threeLinkLab().address('b0', '2001:db8:b::99/128', ['nodad']).sysctl('net/ipv6/conf/b0/use_oif_addrs_only', 1),
    dev: 'b0',
    dst: '2001:db8:8::1',
    expect: '2001:db8:b::99',
  },
  {
    name: 'only link-local addresses: the output device link-local',
    state: new Ipv6StateBuilder().device('a0', 'fe80::a0').device('b0', 'fe80::b0'),
    dev: 'b0',
    dst: '2001:db8:9::1',
    expect: 'fe80::b0',
  },
  { name: 'longest matching prefix, capped at the prefix length (rule 8)', state: threeLinkLab().address('a0', '2001:db8:9::1/48', ['nodad']), dev: 'a0', dst: '2001:db8:9::7', expect: '2001:db8:9::1' },
  {
    name: 'temporary addresses lose unless use_tempaddr ≥ 2 (kernel source: ip cannot add temporary addresses)',
    state: threeLinkLab().address('a0', '2001:db8:a::7/64', ['temporary']),
    dev: 'a0',
    dst: '2001:db8:a::9',
    expect: '2001:db8:a::1',
  },
  {
    name: 'use_tempaddr 2 prefers the temporary address (kernel source)',
    state: threeLinkLab().address('a0', '2001:db8:a::7/64', ['temporary']).sysctl('net/ipv6/conf/a0/use_tempaddr', 2),
    dev: 'a0',
    dst: '2001:db8:a::9',
    expect: '2001:db8:a::7',
  },
  { name: 'no device: every device, no interface preference', state: threeLinkLab(), dst: '2001:db8:c::9', expect: '2001:db8:c::1' },
];

for (const c of cases) {
  test(c.name, () => {
    const ctx = buildIpv6Context(c.state.build());
    const dev = c.dev === undefined ? undefined : ctx.engine.linkByName(c.dev);
    const got = selectSourceAddress6(ctx, dev, ip6(c.dst), new ExplainSink());
    assert.equal(got === undefined ? undefined : formatIp(got), c.expect);
  });
}

test('a device whose only address is tentative yields no source', () => {
  const state = new Ipv6StateBuilder();
  state.device('a0', 'fe80::a0');
  const built = state.build();
  const only = { ...built, addresses: built.addresses.map((a) => (a.dev === 'a0' ? { ...a, flags: ['tentative'] } : a)) };
  const ctx = buildIpv6Context(only);
  assert.equal(selectSourceAddress6(ctx, ctx.engine.linkByName('a0'), ip6('fe80::1'), new ExplainSink()), undefined);
});
