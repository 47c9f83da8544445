// `ip -6 route get` answers recorded on kernel 6.18.44 (netns pbr6-*: lo, a0, b0, c0 with 2001:db8:{a,b,c}::1/64).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIp } from '../../addr/address.ts';
import type { RouteAnswer, RouteQuery } from '../../model/route-query.ts';
import { buildIpv6Context } from './context.ts';
import { ExplainSink } from '../explain.ts';
import { routeGet6 } from './route-get6.ts';
import { ip6, Ipv6StateBuilder, query6, threeLinkLab } from './test-support.ts';

/** The fields compared, in the words `ip -6 route get` prints them; errors as the errno name. */
interface Expected {
  readonly type?: string;
  readonly via?: string;
  readonly dev?: string;
  readonly table?: number;
  readonly src?: string;
  readonly metric?: number;
  readonly pref?: string;
  readonly from?: string;
  readonly iif?: string;
}

interface Case {
  readonly name: string;
  readonly state: Ipv6StateBuilder;
  readonly query: RouteQuery;
  readonly expect: Expected | string;
}

function summarize(a: RouteAnswer): Expected | string {
  if (!a.ok) return a.errno;
  const r = a.route;
  return {
    type: r.type,
    ...(r.gateway ? { via: formatIp(r.gateway) } : {}),
    dev: r.dev,
    table: r.table,
    ...(r.prefsrc ? { src: formatIp(r.prefsrc) } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
    ...(r.pref ? { pref: r.pref } : {}),
    ...(r.from ? { from: formatIp(r.from) } : {}),
    ...(r.iif ? { iif: r.iif } : {}),
  };
}

function run(cases: readonly Case[]): void {
  for (const c of cases) {
    test(c.name, () => {
      const got = summarize(routeGet6(buildIpv6Context(c.state.build()), c.query, new ExplainSink()));
      if (typeof c.expect === 'string' || typeof got === 'string') {
        assert.equal(got, c.expect);
        return;
      }
      const picked = Object.fromEntries(Object.keys(c.expect).map((k) => [k, (got as Record<string, unknown>)[k]]));
      assert.deepEqual(picked, c.expect);
    });
  }
}

const withDefault = () => threeLinkLab().route({ dst: 'default', via: '2001:db8:a::2', dev: 'a0' });

// E20: rules, route types and errnos, metrics
const sourceRule = () =>
  withDefault().route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', table: 100 }).rule({ priority: 100, from: '2001:db8:b::/64', table: 100 });
const notSourceRule = () =>
  withDefault().route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', table: 100 }).rule({ priority: 100, from: '2001:db8:b::/64', invert: true, table: 100 });
const rejectRoutes = () =>
  withDefault()
    .route({ dst: '2001:db8:1::/48', type: 'unreachable' })
    .route({ dst: '2001:db8:2::/48', type: 'blackhole' })
    .route({ dst: '2001:db8:3::/48', type: 'prohibit' })
    .route({ dst: '2001:db8:4::/48', type: 'throw' });
const tosRules = () =>
  withDefault()
    .route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', table: 100 })
    .rule({ priority: 100, tos: 0x10, table: 100 })
    .rule({ priority: 101, tos: 0xb8, table: 100 });
const twoMetrics = () =>
  threeLinkLab().route({ dst: '2001:db8:9::/48', via: '2001:db8:b::2', dev: 'b0', metric: 20 }).route({ dst: '2001:db8:9::/48', via: '2001:db8:c::2', dev: 'c0', metric: 10 });

run([
  { name: 'E20 from rule: no source → main', state: sourceRule(), query: query6('2001:db8:99::1'), expect: { via: '2001:db8:a::2', dev: 'a0', table: 254 } },
  { name: 'E20 from rule: matching source → table 100', state: sourceRule(), query: query6('2001:db8:99::1', { from: '2001:db8:b::1' }), expect: { via: '2001:db8:c::2', dev: 'c0', table: 100, src: '2001:db8:c::1' } },
  { name: 'from rule on the input path without from → main', state: sourceRule(), query: query6('2001:db8:99::1', { iif: 'a0' }), expect: { table: 254, iif: 'a0', from: '::' } },
  { name: 'from rule on the input path with from', state: sourceRule(), query: query6('2001:db8:99::1', { iif: 'a0', from: '2001:db8:b::7' }), expect: { table: 100, dev: 'c0', iif: 'a0' } },
  { name: 'E20 "not from" matches a lookup without source', state: notSourceRule(), query: query6('2001:db8:99::1'), expect: { table: 100, dev: 'c0' } },
  { name: '"not from" with a matching source → main', state: notSourceRule(), query: query6('2001:db8:99::1', { from: '2001:db8:b::1' }), expect: { table: 254, dev: 'a0' } },
  { name: 'E20 unreachable route → No route to host', state: rejectRoutes(), query: query6('2001:db8:1::1'), expect: 'EHOSTUNREACH' },
  { name: 'E20 blackhole route → Invalid argument', state: rejectRoutes(), query: query6('2001:db8:2::1'), expect: 'EINVAL' },
  { name: 'E20 prohibit route → Permission denied', state: rejectRoutes(), query: query6('2001:db8:3::1'), expect: 'EACCES' },
  { name: 'E20 throw route in main → Network is unreachable', state: rejectRoutes(), query: query6('2001:db8:4::1'), expect: 'ENETUNREACH' },
  { name: 'reject route errors also on the input path (no forwarding check)', state: rejectRoutes(), query: query6('2001:db8:1::1', { iif: 'b0', from: '2001:db8:b::2' }), expect: 'EHOSTUNREACH' },
  { name: 'unreachable route is skipped by a strict oif (its device is lo)', state: rejectRoutes(), query: query6('2001:db8:1::1', { oif: 'a0' }), expect: { via: '2001:db8:a::2', dev: 'a0' } },
  { name: 'unreachable route matches oif lo', state: rejectRoutes(), query: query6('2001:db8:1::1', { oif: 'lo' }), expect: 'EHOSTUNREACH' },
  { name: 'with from the oif is a preference: the unreachable route stays', state: rejectRoutes(), query: query6('2001:db8:1::1', { oif: 'a0', from: '2001:db8:a::1' }), expect: 'EHOSTUNREACH' },
  { name: 'E20 rule unreachable → Network is unreachable', state: withDefault().rule({ priority: 100, action: 'unreachable' }), query: query6('2001:db8:99::1'), expect: 'ENETUNREACH' },
  { name: 'E20 rule blackhole → Invalid argument', state: withDefault().rule({ priority: 100, action: 'blackhole' }), query: query6('2001:db8:99::1'), expect: 'EINVAL' },
  { name: 'E20 rule prohibit → Permission denied', state: withDefault().rule({ priority: 100, action: 'prohibit' }), query: query6('2001:db8:99::1'), expect: 'EACCES' },
  { name: 'E20 input path needs no forwarding', state: withDefault(), query: query6('2001:db8:99::1', { iif: 'b0' }), expect: { via: '2001:db8:a::2', dev: 'a0', iif: 'b0' } },
  { name: 'E20 rule tos 0x10 matches tclass 0x10', state: tosRules(), query: query6('2001:db8:99::1', { tos: 0x10 }), expect: { table: 100 } },
  { name: 'E20 rule tos 0x10 matches tclass 0x11 (ECN bits ignored)', state: tosRules(), query: query6('2001:db8:99::1', { tos: 0x11 }), expect: { table: 100 } },
  { name: 'E20 rule tos 0x10 does not match tclass 0xb0', state: tosRules(), query: query6('2001:db8:99::1', { tos: 0xb0 }), expect: { table: 254 } },
  { name: 'rule tos 0xb8 matches tclass 0xbb', state: tosRules(), query: query6('2001:db8:99::1', { tos: 0xbb }), expect: { table: 100 } },
  { name: 'E20 lower metric wins', state: twoMetrics(), query: query6('2001:db8:9::1'), expect: { via: '2001:db8:c::2', dev: 'c0', metric: 10 } },
  { name: 'strict oif skips to the higher metric via that device', state: twoMetrics(), query: query6('2001:db8:9::1', { oif: 'b0' }), expect: { via: '2001:db8:b::2', dev: 'b0', metric: 20 } },
  { name: 'E20 oif without a route via it → Network is unreachable', state: twoMetrics(), query: query6('2001:db8:9::1', { oif: 'a0' }), expect: 'ENETUNREACH' },
  { name: 'E20 oif with from is only a preference', state: twoMetrics(), query: query6('2001:db8:9::1', { oif: 'a0', from: '2001:db8:a::1' }), expect: { dev: 'c0', metric: 10, src: '2001:db8:c::1' } },
  { name: 'oif with from among the lowest metric only', state: twoMetrics(), query: query6('2001:db8:9::1', { oif: 'b0', from: '2001:db8:a::1' }), expect: { dev: 'c0', metric: 10 } },
]);

// what ip -6 route get prints and which flow it uses
const uidRule = () =>
  withDefault().route({ dst: '2001:db8:99::/48', via: '2001:db8:b::2', dev: 'b0', table: 100 }).rule({ priority: 100, uidRange: { start: 0, end: 0 }, table: 100 });

run([
  { name: 'connected destination: from ::, src of the device', state: threeLinkLab(), query: query6('2001:db8:b::5'), expect: { type: 'unicast', dev: 'b0', table: 254, src: '2001:db8:b::1', metric: 256, pref: 'medium', from: '::' } },
  { name: 'own address → local via lo, table local, src itself', state: threeLinkLab(), query: query6('2001:db8:a::1'), expect: { type: 'local', dev: 'lo', table: 255, src: '2001:db8:a::1', metric: 0 } },
  { name: '::1 → local via lo', state: threeLinkLab(), query: query6('::1'), expect: { type: 'local', dev: 'lo', table: 255, src: '::1' } },
  { name: 'subnet-router anycast without forwarding is plain on-link', state: threeLinkLab(), query: query6('2001:db8:a::'), expect: { type: 'unicast', dev: 'a0', src: '2001:db8:a::1' } },
  { name: 'link-local destination: first fe80::/64 route, link-local source', state: threeLinkLab(), query: query6('fe80::1'), expect: { dev: 'a0', src: 'fe80::a0', metric: 256 } },
  { name: 'link-local destination with oif', state: threeLinkLab(), query: query6('fe80::1', { oif: 'c0' }), expect: { dev: 'c0', src: 'fe80::c0' } },
  { name: 'ff02::1 → multicast route of the local table, first device', state: threeLinkLab(), query: query6('ff02::1'), expect: { type: 'multicast', dev: 'a0', table: 255, src: 'fe80::a0', metric: 256 } },
  { name: 'ff02::1 oif b0', state: threeLinkLab(), query: query6('ff02::1', { oif: 'b0' }), expect: { type: 'multicast', dev: 'b0', src: 'fe80::b0' } },
  { name: 'ff05::1 (site scope) takes a global source', state: threeLinkLab(), query: query6('ff05::1'), expect: { type: 'multicast', dev: 'a0', src: '2001:db8:a::1' } },
  { name: 'multicast destination on the input path → Message too long', state: threeLinkLab(), query: query6('ff02::1', { iif: 'c0' }), expect: 'EMSGSIZE' },
  { name: 'multicast destination from lo on the input path → strict, no route', state: threeLinkLab(), query: query6('ff02::1', { iif: 'lo' }), expect: 'ENETUNREACH' },
  { name: 'v4-mapped destination without a route', state: threeLinkLab(), query: query6('::ffff:10.0.0.1'), expect: 'ENETUNREACH' },
  { name: ':: without a default route', state: threeLinkLab(), query: query6('::'), expect: 'ENETUNREACH' },
  { name: 'a non-local from is accepted on the output path', state: threeLinkLab(), query: query6('2001:db8:b::5', { from: '2001:db8:9::9' }), expect: { dev: 'b0', from: '2001:db8:9::9', src: '2001:db8:b::1' } },
  { name: 'input path prints no src', state: withDefault(), query: query6('2001:db8:b::5', { iif: 'a0' }), expect: { dev: 'b0', iif: 'a0', from: '::' } },
  { name: 'input path local delivery', state: threeLinkLab(), query: query6('2001:db8:a::1', { iif: 'b0', from: '2001:db8:b::2' }), expect: { type: 'local', dev: 'lo', table: 255, iif: 'b0', from: '2001:db8:b::2' } },
  { name: 'a route src is printed on the input path too', state: withDefault().route({ dst: '2001:db8:7::/48', via: '2001:db8:b::2', dev: 'b0', src: '2001:db8:c::1' }), query: query6('2001:db8:7::1', { iif: 'a0' }), expect: { dev: 'b0', src: '2001:db8:c::1', iif: 'a0' } },
  { name: 'own address with a strict oif on another device', state: withDefault(), query: query6('2001:db8:a::1', { oif: 'c0' }), expect: 'ENETUNREACH' },
  { name: 'own address with oif of its device → local', state: withDefault(), query: query6('2001:db8:a::1', { oif: 'a0' }), expect: { type: 'local', dev: 'lo' } },
  { name: 'own address with oif lo → not local (the local route is on a0)', state: withDefault(), query: query6('2001:db8:a::1', { oif: 'lo' }), expect: 'ENETUNREACH' },
  { name: '::1 with oif a0 → default route, link-local source', state: withDefault(), query: query6('::1', { oif: 'a0' }), expect: { via: '2001:db8:a::2', dev: 'a0', src: 'fe80::a0' } },
  { name: '::1 on the input path is strict: the default route', state: withDefault(), query: query6('::1', { iif: 'a0' }), expect: { via: '2001:db8:a::2', dev: 'a0' } },
  { name: 'output uid 0 matches uidrange 0-0', state: uidRule(), query: query6('2001:db8:99::1'), expect: { table: 100 } },
  { name: 'output uid 5 does not', state: uidRule(), query: query6('2001:db8:99::1', { uid: 5 }), expect: { table: 254 } },
  { name: 'input path without uid uses INVALID_UID: uidrange 0-0 does not match', state: uidRule(), query: query6('2001:db8:99::1', { iif: 'a0' }), expect: { table: 254 } },
  { name: 'input path with uid 0 matches uidrange 0-0', state: uidRule(), query: query6('2001:db8:99::1', { iif: 'a0', uid: 0 }), expect: { table: 100 } },
  { name: 'ipproto icmp is refused for IPv6', state: threeLinkLab(), query: query6('2001:db8:b::5', { ipproto: 1 }), expect: 'EOPNOTSUPP' },
  { name: 'unknown iif → No such device', state: threeLinkLab(), query: query6('2001:db8:b::5', { iif: 'nosuch' }), expect: 'ENODEV' },
]);

// table lookup: router preference, score groups, neighbours, linkdown, input device preference
const prefs = () =>
  threeLinkLab()
    .route({ dst: '2001:db8:8::/48', via: '2001:db8:c::2', dev: 'c0', metric: 10, pref: 'low' })
    .route({ dst: '2001:db8:8::/48', dev: 'a0', metric: 10, pref: 'high' })
    .route({ dst: '2001:db8:8::/48', via: '2001:db8:b::2', dev: 'b0', metric: 20 });
const failedNeighbour = () =>
  threeLinkLab({ carrier: { b0: false } })
    .route({ dst: 'default', via: '2001:db8:b::2', dev: 'b0', metric: 10, linkdown: true })
    .route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', metric: 20 })
    .neighbour('b0', '2001:db8:b::2', 'FAILED');
const sameMetricDevs = () =>
  threeLinkLab().route({ dst: '2001:db8:6::/48', dev: 'a0' }).route({ dst: '2001:db8:6::/48', dev: 'b0' }).route({ dst: '2001:db8:6::/48', dev: 'c0' });
const linkdown = () =>
  threeLinkLab({ carrier: { b0: false } })
    .route({ dst: 'default', via: '2001:db8:b::2', dev: 'b0', metric: 10, linkdown: true })
    .route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', metric: 20 });

run([
  { name: 'high router preference wins within the metric', state: prefs(), query: query6('2001:db8:8::1'), expect: { dev: 'a0', metric: 10, pref: 'high' } },
  { name: 'strict oif c0 takes the low-preference route', state: prefs(), query: query6('2001:db8:8::1', { oif: 'c0' }), expect: { via: '2001:db8:c::2', dev: 'c0', metric: 10, pref: 'low' } },
  { name: 'strict oif b0 falls to metric 20', state: prefs(), query: query6('2001:db8:8::1', { oif: 'b0' }), expect: { dev: 'b0', metric: 20 } },
  { name: 'input path: preference beats the input device', state: prefs(), query: query6('2001:db8:8::1', { iif: 'c0' }), expect: { dev: 'a0', pref: 'high' } },
  { name: 'host mode avoids a FAILED gateway', state: failedNeighbour(), query: query6('2001:db8:9::1'), expect: { via: '2001:db8:c::2', dev: 'c0', metric: 20 } },
  { name: 'also on the input path', state: failedNeighbour(), query: query6('2001:db8:9::1', { iif: 'a0' }), expect: { via: '2001:db8:c::2', metric: 20 } },
  { name: 'a router (all.forwarding=1) ignores neighbour state', state: failedNeighbour().sysctl('net/ipv6/conf/all/forwarding', 1), query: query6('2001:db8:9::1'), expect: { via: '2001:db8:b::2', metric: 10 } },
  { name: 'when every gateway FAILED the lookup retries without the test', state: failedNeighbour().neighbour('c0', '2001:db8:c::2', 'FAILED'), query: query6('2001:db8:9::1'), expect: { via: '2001:db8:b::2', metric: 10 } },
  { name: 'INCOMPLETE is not FAILED', state: threeLinkLab().route({ dst: 'default', via: '2001:db8:b::2', dev: 'b0', metric: 10 }).route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', metric: 20 }).neighbour('b0', '2001:db8:b::2', 'INCOMPLETE'), query: query6('2001:db8:9::1'), expect: { via: '2001:db8:b::2' } },
  { name: 'linkdown routes are used by default', state: linkdown(), query: query6('2001:db8:9::1'), expect: { dev: 'b0', metric: 10 } },
  { name: 'ignore_routes_with_linkdown on the device skips them', state: linkdown().sysctl('net/ipv6/conf/b0/ignore_routes_with_linkdown', 1), query: query6('2001:db8:9::1'), expect: { dev: 'c0', metric: 20 } },
  { name: 'the all value alone does not count (it is copied to devices when written)', state: linkdown().sysctl('net/ipv6/conf/all/ignore_routes_with_linkdown', 1).sysctl('net/ipv6/conf/b0/ignore_routes_with_linkdown', 0), query: query6('2001:db8:9::1'), expect: { dev: 'b0' } },
  { name: 'ignored linkdown connected route with strict oif → unreachable', state: linkdown().sysctl('net/ipv6/conf/b0/ignore_routes_with_linkdown', 1), query: query6('2001:db8:b::7', { oif: 'b0' }), expect: 'ENETUNREACH' },
  { name: 'output: first route of the metric', state: sameMetricDevs(), query: query6('2001:db8:6::1'), expect: { dev: 'a0' } },
  { name: 'input path prefers the route via the input device', state: sameMetricDevs(), query: query6('2001:db8:6::1', { iif: 'b0' }), expect: { dev: 'b0', iif: 'b0' } },
  { name: 'input from lo: no preference', state: sameMetricDevs(), query: query6('2001:db8:6::1', { iif: 'lo' }), expect: { dev: 'a0' } },
  { name: 'output oif c0 with from prefers c0 in the metric', state: sameMetricDevs(), query: query6('2001:db8:6::1', { oif: 'c0', from: '2001:db8:b::1' }), expect: { dev: 'c0', src: '2001:db8:c::1' } },
]);

// source-specific routes: the subtree shadows plain routes of the same prefix
const sourceRoutes = () =>
  threeLinkLab()
    .route({ dst: 'default', via: '2001:db8:a::2', dev: 'a0' })
    .route({ dst: '2001:db8:9::/48', via: '2001:db8:b::2', dev: 'b0' })
    .route({ dst: '2001:db8:9::/48', from: '2001:db8:c::/64', via: '2001:db8:c::2', dev: 'c0' })
    .route({ dst: '2001:db8:9:1::/64', via: '2001:db8:b::3', dev: 'b0' });

run([
  { name: 'no source: the /48 with a subtree is skipped → default', state: sourceRoutes(), query: query6('2001:db8:9::1'), expect: { via: '2001:db8:a::2' } },
  { name: 'matching source → the source-specific route', state: sourceRoutes(), query: query6('2001:db8:9::1', { from: '2001:db8:c::1' }), expect: { via: '2001:db8:c::2', dev: 'c0' } },
  { name: 'other source → default as well', state: sourceRoutes(), query: query6('2001:db8:9::1', { from: '2001:db8:a::1' }), expect: { via: '2001:db8:a::2' } },
  { name: 'input path with a matching source', state: sourceRoutes(), query: query6('2001:db8:9::1', { iif: 'a0', from: '2001:db8:c::5' }), expect: { via: '2001:db8:c::2' } },
  { name: 'the more specific plain /64 still wins', state: sourceRoutes(), query: query6('2001:db8:9:1::1', { from: '2001:db8:c::1' }), expect: { via: '2001:db8:b::3' } },
  { name: 'backtracking from the /64 visits the /48 plain route', state: sourceRoutes().neighbour('b0', '2001:db8:b::3', 'FAILED'), query: query6('2001:db8:9:1::1'), expect: { via: '2001:db8:b::2' } },
  { name: 'backtracking enters the subtree first', state: sourceRoutes().neighbour('b0', '2001:db8:b::3', 'FAILED'), query: query6('2001:db8:9:1::1', { from: '2001:db8:c::9' }), expect: { via: '2001:db8:c::2' } },
]);

// rules: goto, suppression, marks, iif/oif, ipproto
const ruleLab = () =>
  withDefault()
    .route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', table: 100 })
    .route({ dst: '2001:db8:99::/48', via: '2001:db8:b::2', dev: 'b0', table: 200 })
    .route({ dst: '2001:db8:98::/48', type: 'throw', table: 200 })
    .route({ dst: '2001:db8:97::/48', type: 'unreachable', table: 200 });
const groupFive = () =>
  new Ipv6StateBuilder()
    .device('a0', 'fe80::a0')
    .address('a0', '2001:db8:a::1/64')
    .device('c0', 'fe80::c0', { group: 5 })
    .address('c0', '2001:db8:c::1/64')
    .route({ dst: 'default', via: '2001:db8:a::2', dev: 'a0' })
    .route({ dst: 'default', via: '2001:db8:c::2', dev: 'c0', table: 100 })
    .route({ dst: '2001:db8:96::/64', via: '2001:db8:a::3', dev: 'a0', table: 300 });

run([
  { name: 'throw in a rule table continues with the next rule', state: ruleLab().rule({ priority: 10, table: 200 }), query: query6('2001:db8:98::1'), expect: { via: '2001:db8:a::2', table: 254 } },
  { name: 'unreachable in a rule table ends the walk', state: ruleLab().rule({ priority: 10, table: 200 }), query: query6('2001:db8:97::1'), expect: 'EHOSTUNREACH' },
  { name: 'rule to a table with no routes continues', state: ruleLab().rule({ priority: 10, table: 500 }), query: query6('2001:db8:99::1'), expect: { table: 254 } },
  { name: 'goto skips the rules in between', state: ruleLab().rule({ priority: 10, to: '2001:db8:90::/44', action: 'goto', gotoTarget: 30 }).rule({ priority: 20, action: 'blackhole' }).rule({ priority: 30, table: 200 }), query: query6('2001:db8:99::1'), expect: { table: 200, dev: 'b0' } },
  { name: 'fwmark with mask', state: ruleLab().rule({ priority: 10, fwmark: 0x10, fwmask: 0xf0, table: 100 }), query: query6('2001:db8:55::1', { mark: 0x1f }), expect: { table: 100 } },
  { name: 'fwmark with mask: other mark', state: ruleLab().rule({ priority: 10, fwmark: 0x10, fwmask: 0xf0, table: 100 }), query: query6('2001:db8:55::1', { mark: 0x20 }), expect: { table: 254 } },
  { name: 'iif b0 rule on the input path', state: ruleLab().rule({ priority: 10, iif: { name: 'b0', detached: false }, table: 100 }), query: query6('2001:db8:55::1', { iif: 'b0' }), expect: { table: 100 } },
  { name: 'iif lo rule matches every output lookup', state: ruleLab().rule({ priority: 10, iif: { name: 'lo', detached: false }, table: 100 }), query: query6('2001:db8:55::1'), expect: { table: 100 } },
  { name: 'oif rule with oif and from', state: ruleLab().rule({ priority: 10, oif: { name: 'b0', detached: false }, table: 200 }), query: query6('2001:db8:99::1', { oif: 'b0', from: '2001:db8:a::1' }), expect: { table: 200 } },
  { name: 'E12 v6: ipproto udp rule needs ipproto (default 0)', state: ruleLab().rule({ priority: 10, ipProto: 17, table: 100 }), query: query6('2001:db8:55::1'), expect: { table: 254 } },
  { name: 'E12 v6: ipproto udp rule with ipproto udp', state: ruleLab().rule({ priority: 10, ipProto: 17, table: 100 }), query: query6('2001:db8:55::1', { ipproto: 17 }), expect: { table: 100 } },
  { name: 'tcp dport 443 rule on the input path', state: ruleLab().rule({ priority: 10, ipProto: 6, dport: { start: 443, end: 443 }, table: 100 }), query: query6('2001:db8:55::1', { iif: 'a0', ipproto: 6, dport: 443 }), expect: { table: 100 } },
  { name: 'suppress_prefixlength 0 ignores the default route', state: groupFive().rule({ priority: 42, table: 254, suppressPrefixlen: 0 }).rule({ priority: 44, table: 300 }), query: query6('2001:db8:96::1'), expect: { via: '2001:db8:a::3', table: 300 } },
  { name: 'suppress_prefixlength 0 keeps a connected route', state: groupFive().rule({ priority: 42, table: 254, suppressPrefixlen: 0 }), query: query6('2001:db8:a::5'), expect: { dev: 'a0', table: 254 } },
  { name: 'suppress_ifgroup 5 skips the route via c0', state: groupFive().rule({ priority: 43, table: 100, suppressIfgroup: 5 }), query: query6('2001:db8:55::1'), expect: { via: '2001:db8:a::2', table: 254 } },
  { name: 'rule l3mdev never matches outside a VRF', state: ruleLab().rule({ priority: 10, l3mdev: true, action: 'unreachable' }), query: query6('2001:db8:55::1'), expect: { table: 254 } },
]);

// answer details beyond the route line
test('route metrics travel with the answer (mtu lock 1400 advmss 1300 hoplimit 10)', () => {
  const metrics = [
    { name: 'mtu', value: 1400, lock: true },
    { name: 'advmss', value: 1300, lock: false },
    { name: 'hoplimit', value: 10, lock: false },
  ];
  const state = threeLinkLab().route({ dst: '2001:db8:9::/48', via: '2001:db8:b::2', dev: 'b0', metrics });
  const ctx = buildIpv6Context(state.build());
  for (const q of [query6('2001:db8:9::1'), query6('2001:db8:9::1', { iif: 'a0' }), query6('2001:db8:9::1', { fibmatch: true })]) {
    const a = routeGet6(ctx, q, new ExplainSink());
    assert.ok(a.ok);
    assert.deepEqual(a.route.metrics, metrics);
  }
});

test('fibmatch of a source-specific route reports its from prefix', () => {
  const state = threeLinkLab().route({ dst: '2001:db8:5::/48', from: '2001:db8:c::/64', via: '2001:db8:c::2', dev: 'c0' });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:5::1', { from: '2001:db8:c::1', fibmatch: true }), new ExplainSink());
  assert.ok(a.ok);
  assert.deepEqual(
    [formatIp(a.route.dst), a.route.prefixLength, a.route.from && formatIp(a.route.from), a.route.fromPrefixLength, a.route.dev, a.route.prefsrc],
    ['2001:db8:5::', 48, '2001:db8:c::', 64, 'c0', undefined],
  );
});

test('fibmatch of a local route names the address device, not lo', () => {
  const a = routeGet6(buildIpv6Context(threeLinkLab().build()), query6('2001:db8:a::1', { fibmatch: true }), new ExplainSink());
  assert.ok(a.ok);
  assert.deepEqual([a.route.type, a.route.dev, a.route.prefixLength, a.route.table], ['local', 'a0', 128, 255]);
});

test('fibmatch of a nexthop object route', () => {
  const state = threeLinkLab()
    .nexthopObject({ id: 2, gateway: { family: 6, value: 0x20010db8000c00000000000000000006n }, dev: 'c0' })
    .route({ dst: '2001:db8:6::/48', nhid: 2 });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:6::1', { fibmatch: true }), new ExplainSink());
  assert.ok(a.ok);
  assert.deepEqual([a.route.nhid, a.route.gateway && formatIp(a.route.gateway), a.route.dev, a.route.nexthops], [2, '2001:db8:c::6', 'c0', undefined]);
});

test('anycast route (forwarding on): delivered through lo, source is the device address', () => {
  const state = threeLinkLab()
    .sysctl('net/ipv6/conf/all/forwarding', 1)
    .route({ dst: '2001:db8:a::/128', type: 'anycast', dev: 'a0', table: 255, metric: 0, protocol: 'kernel' });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:a::'), new ExplainSink());
  assert.ok(a.ok);
  assert.deepEqual([a.route.type, a.route.dev, a.route.table, a.route.prefsrc && formatIp(a.route.prefsrc)], ['anycast', 'lo', 255, '2001:db8:a::1']);
});

test('explain names every rule, the visited nodes with their scores and the source choice', () => {
  const state = sourceRule().route({ dst: '2001:db8:99::/48', via: '2001:db8:b::2', dev: 'b0', metric: 10 });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:99::1', { oif: 'b0', from: '2001:db8:a::1' }), new ExplainSink());
  assert.ok(a.ok);
  const text = a.explain.map((s) => `${s.kind}: ${s.text}`);
  const expected = [
    'rule: rule 0: from all lookup local: matches (matches every packet)',
    'rule: rule 100: from 2001:db8:b::/64 lookup 100: no match (2001:db8:a::1 not in 2001:db8:b::/64)',
    "route: 2001:db8:99::/48 via 2001:db8:b::2 dev b0 metric 10 pref medium: score 10 (the lookup's device, pref medium), best so far",
    'source: selected source 2001:db8:b::1 (b0)',
  ];
  for (const line of expected) assert.ok(text.includes(line), `missing: ${line}\n${text.join('\n')}`);
});

test('a user-added anycast route keeps its device (no RTF_ANYCAST)', () => {
  // recorded by the differential fuzzer: anycast 64:ff9b::ffff:ffff … dev d0 → "dev d0"
  const state = threeLinkLab().route({ dst: '2001:db8:300::/48', type: 'anycast', dev: 'a0', table: 255, metric: 20 });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:300::fffc'), new ExplainSink());
  assert.ok(a.ok);
  assert.deepEqual([a.route.type, a.route.dev, a.route.metric], ['anycast', 'a0', 20]);
});

test('answers carry the matched route protocol, with and without fibmatch (ip -d -j always prints it)', () => {
  const ctx = buildIpv6Context(threeLinkLab().route({ dst: '2001:db8:99::/48', via: '2001:db8:b::2', dev: 'b0', protocol: 'static' }).build());
  const rows: readonly (readonly [RouteQuery, string])[] = [
    [query6('2001:db8:99::1'), 'static'],
    [query6('2001:db8:99::1', { fibmatch: true }), 'static'],
    [query6('2001:db8:b::1'), 'kernel'],
    [query6('2001:db8:b::1', { fibmatch: true, iif: 'a0' }), 'kernel'],
  ];
  for (const [q, protocol] of rows) {
    const a = routeGet6(ctx, q, new ExplainSink(false));
    assert.ok(a.ok);
    assert.equal(a.route.protocol, protocol);
  }
});

test('fibmatch: a group left with one member is still a nexthops list; a source route keeps its from; expires is reported', () => {
  const ctx = buildIpv6Context(
    threeLinkLab()
      .nexthopObject({ id: 22, gateway: ip6('2001:db8:b::2'), dev: 'b0', onlink: true, family: 6 })
      .nexthopObject({ id: 30, group: [{ id: 22, weight: 2 }] })
      .route({ dst: '2001:db8:100::/64', nhid: 30 })
      .route({ dst: '2001:db8:9::/48', from: '2001:db8:a::/64', via: '2001:db8:c::2', dev: 'c0' })
      .route({ dst: '2001:db8:6::/64', via: '2001:db8:a::2', dev: 'a0', expires: 299 })
      .build(),
  );
  const group = routeGet6(ctx, query6('2001:db8:100::1', { fibmatch: true }), new ExplainSink(false));
  assert.ok(group.ok);
  assert.deepEqual(group.route.nexthops?.map((nh) => [nh.gateway && formatIp(nh.gateway), nh.dev, nh.weight, nh.flags]), [['2001:db8:b::2', 'b0', 2, ['onlink']]]);
  const sourced = routeGet6(ctx, query6('2001:db8:9::1', { fibmatch: true, from: '2001:db8:a::5' }), new ExplainSink(false));
  assert.ok(sourced.ok);
  assert.deepEqual([sourced.route.from && formatIp(sourced.route.from), sourced.route.fromPrefixLength], ['2001:db8:a::', 64]);
  const expiring = routeGet6(ctx, query6('2001:db8:6::1', { fibmatch: true }), new ExplainSink(false));
  assert.ok(expiring.ok);
  assert.equal(expiring.route.expires, 299);
  // ip route get without fibmatch reports no expiry for the route's dst
  const plain = routeGet6(ctx, query6('2001:db8:6::1'), new ExplainSink(false));
  assert.ok(plain.ok);
  assert.equal(plain.route.expires, undefined);
});
