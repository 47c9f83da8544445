// inet_select_addr() and friends (spec §5.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../../model/network-state.ts';
import { EngineContext } from '../context.ts';
import { deviceJoinedGroup, inetAddrOnlink, inetSelectAddr } from './addr4.ts';
import { fmt4 } from './flow4.ts';
import { ip4, topologyB } from './test-support.ts';

const ctxOf = (b: ReturnType<typeof topologyB>) => new EngineContext(b.build());
const idx = (ctx: EngineContext, dev: string) => ctx.ifindexOf(dev);

test('inetSelectAddr: kernel address order, scope limit, subnet match, secondaries never', () => {
  const ctx = ctxOf(
    topologyB()
      .address('b0', '172.16.0.1/16')
      .address('b0', '192.168.77.1/32', { scope: RT_SCOPE_LINK })
      .address('b0', '10.1.0.50/24')
      .device('p0')
      .address('p0', '10.5.0.1/32', { peer: '10.6.0.0/24' })
      .device('e0'),
  );
  const b0 = idx(ctx, 'b0');
  const cases: readonly (readonly [string, number, string, number, string])[] = [
    ['no dst, scope link: the link-scope address listed first', b0, '0.0.0.0', RT_SCOPE_LINK, '192.168.77.1'],
    ['no dst, scope universe: the first global one', b0, '0.0.0.0', RT_SCOPE_UNIVERSE, '10.1.0.1'],
    ['dst in a later subnet', b0, '172.16.9.9', RT_SCOPE_UNIVERSE, '172.16.0.1'],
    ['dst matching only a secondary: the first acceptable primary', b0, '10.1.0.77', RT_SCOPE_UNIVERSE, '10.1.0.1'],
    ['point-to-point: the peer prefix decides the match', idx(ctx, 'p0'), '10.6.0.9', RT_SCOPE_UNIVERSE, '10.5.0.1'],
    ['no address: another device\'s (lo first, link scope and host scope skipped)', idx(ctx, 'e0'), '0.0.0.0', RT_SCOPE_LINK, '10.0.0.1'],
    ['lo at host scope', 1, '0.0.0.0', RT_SCOPE_HOST, '127.0.0.1'],
  ];
  for (const [name, ifindex, dst, scope, want] of cases) assert.equal(fmt4(inetSelectAddr(ctx, ifindex, ip4(dst).value, scope)), want, name);
});

test('inetSelectAddr: route_localnet widens 127/8 (host scope) to link scope', () => {
  const off = ctxOf(topologyB());
  assert.equal(fmt4(inetSelectAddr(off, 1, 0, RT_SCOPE_LINK)), '10.0.0.1');
  const on = ctxOf(topologyB().sysctl('net.ipv4.conf.lo.route_localnet', 1));
  assert.equal(fmt4(inetSelectAddr(on, 1, 0, RT_SCOPE_LINK)), '127.0.0.1');
});

test('inetAddrOnlink and joined groups', () => {
  const ctx = ctxOf(topologyB().join('b0', '239.1.2.3'));
  const a0 = idx(ctx, 'a0');
  assert.equal(inetAddrOnlink(ctx, a0, ip4('10.0.0.9').value, 0), true);
  assert.equal(inetAddrOnlink(ctx, a0, ip4('10.0.0.9').value, ip4('10.0.0.2').value), true);
  assert.equal(inetAddrOnlink(ctx, a0, ip4('10.0.0.9').value, ip4('10.1.0.2').value), false);
  assert.equal(deviceJoinedGroup(ctx, idx(ctx, 'b0'), ip4('239.1.2.3').value), true);
  assert.equal(deviceJoinedGroup(ctx, a0, ip4('239.1.2.3').value), false);
  assert.equal(deviceJoinedGroup(ctx, a0, ip4('224.0.0.1').value), true);
});
