import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Family } from '../addr/types.ts';
import type { ResolvedRoute, RouteAnswer } from '../model/route-query.ts';
import { builtinRtTables } from '../model/rt-tables.ts';
import { assertGolden } from '../../test/render/golden.ts';
import { ip } from '../../test/render/test-state.ts';
import { renderRouteGet, type RouteGetRenderOptions } from './route-get.ts';

function resolved(dst: string, dev: string, extra: Partial<ResolvedRoute> = {}): ResolvedRoute {
  return { type: 'unicast', dst: ip(dst), dev, table: 254, flags: [], cache: [], ...extra };
}

function ok(route: ResolvedRoute, extra: Partial<Extract<RouteAnswer, { ok: true }>> = {}): RouteAnswer {
  return { ok: true, route, explain: [], ...extra };
}

function opts(family: Family, extra: Partial<RouteGetRenderOptions> = {}): RouteGetRenderOptions {
  return { family, fibmatch: false, json: false, explain: false, tables: builtinRtTables(), ...extra };
}

const gw = (a: string) => ({ gateway: ip(a) });
const src = (a: string) => ({ prefsrc: ip(a) });

// text and `ip -d -j` JSON as iproute2 6.1 printed them on kernel 6.18
const ROWS: readonly (readonly [string, RouteAnswer, RouteGetRenderOptions, string, string])[] = [
  [
    'output, via a gateway',
    ok(resolved('8.8.8.8', 'b0', { ...gw('10.1.0.2'), ...src('10.1.0.1'), uid: 0 })),
    opts(4),
    '8.8.8.8 via 10.1.0.2 dev b0 src 10.1.0.1 uid 0 \n    cache \n',
    '[{"type":"unicast","dst":"8.8.8.8","gateway":"10.1.0.2","dev":"b0","table":"main","prefsrc":"10.1.0.1","flags":[],"uid":0,"cache":[]}]\n',
  ],
  [
    'local',
    ok(resolved('10.0.0.1', 'lo', { type: 'local', table: 255, ...src('10.0.0.1'), uid: 0, cache: ['local'] })),
    opts(4),
    'local 10.0.0.1 dev lo table local src 10.0.0.1 uid 0 \n    cache <local> \n',
    '[{"type":"local","dst":"10.0.0.1","dev":"lo","table":"local","prefsrc":"10.0.0.1","flags":[],"uid":0,"cache":["local"]}]\n',
  ],
  [
    'input, broadcast',
    ok(resolved('10.0.0.255', 'lo', { type: 'broadcast', table: 255, from: ip('10.0.0.5'), iif: 'a0', cache: ['local', 'brd'] })),
    opts(4),
    'broadcast 10.0.0.255 from 10.0.0.5 dev lo table local \n    cache <local,brd> iif a0 \n',
    '[{"type":"broadcast","dst":"10.0.0.255","from":"10.0.0.5","dev":"lo","table":"local","flags":[],"cache":["local","brd"],"iif":"a0"}]\n',
  ],
  [
    'input, multicast (RTCF_MULTICAST reads as rt_offload_failed)',
    ok(resolved('224.0.0.1', 'lo', { type: 'multicast', table: 0, from: ip('10.0.0.5'), iif: 'a0', cache: ['local', 'mc'] })),
    opts(4),
    'multicast 224.0.0.1 from 10.0.0.5 dev lo rt_offload_failed \n    cache <local,mc> iif a0 \n',
    '[{"type":"multicast","dst":"224.0.0.1","from":"10.0.0.5","dev":"lo","flags":["rt_offload_failed"],"cache":["local","mc"],"iif":"a0"}]\n',
  ],
  [
    'input, hairpin with redirect',
    ok(resolved('10.0.0.2', 'a0', { from: ip('10.0.0.5'), iif: 'a0', cache: ['redirect'] })),
    opts(4),
    '10.0.0.2 from 10.0.0.5 dev a0 \n    cache <redirect> iif a0 \n',
    '[{"type":"unicast","dst":"10.0.0.2","from":"10.0.0.5","dev":"a0","table":"main","flags":[],"cache":["redirect"],"iif":"a0"}]\n',
  ],
  [
    'input with mark and uid',
    ok(resolved('8.8.8.8', 'b0', { ...gw('10.1.0.2'), from: ip('10.0.0.2'), iif: 'a0', mark: 0x20, uid: 5 })),
    opts(4),
    '8.8.8.8 from 10.0.0.2 via 10.1.0.2 dev b0 mark 0x20 uid 5 \n    cache iif a0 \n',
    '[{"type":"unicast","dst":"8.8.8.8","from":"10.0.0.2","gateway":"10.1.0.2","dev":"b0","table":"main","flags":[],"mark":32,"uid":5,"cache":[],"iif":"a0"}]\n',
  ],
  [
    'small marks print in decimal, uid 4294967295 not at all, from 0.0.0.0 neither',
    ok(resolved('10.1.0.9', 'b0', { ...src('10.1.0.1'), mark: 8, uid: 4294967295, from: ip('0.0.0.0') })),
    opts(4),
    '10.1.0.9 dev b0 src 10.1.0.1 mark 8 \n    cache \n',
    '[{"type":"unicast","dst":"10.1.0.9","dev":"b0","table":"main","prefsrc":"10.1.0.1","flags":[],"mark":8,"cache":[]}]\n',
  ],
  [
    'on-link fallback with oif: no table',
    ok(resolved('203.0.113.9', 'a0', { table: 0, ...src('10.0.0.1'), uid: 0 })),
    opts(4),
    '203.0.113.9 dev a0 src 10.0.0.1 uid 0 \n    cache \n',
    '[{"type":"unicast","dst":"203.0.113.9","dev":"a0","prefsrc":"10.0.0.1","flags":[],"uid":0,"cache":[]}]\n',
  ],
  [
    'route tos, realms and metrics of the matched route',
    ok(resolved('10.6.1.1', 'b0', {
      ...gw('10.1.0.2'), ...src('10.1.0.1'), uid: 0, tos: 0x10, realms: (3 << 16) | 5,
      metrics: [{ name: 'mtu', value: 1400, lock: true }, { name: 'rtt', value: 1500, lock: false }],
    })),
    opts(4),
    '10.6.1.1 tos 0x10 via 10.1.0.2 dev b0 src 10.1.0.1 realms 3/5 uid 0 \n    cache mtu lock 1400 rtt 1.5s \n',
    '[{"type":"unicast","dst":"10.6.1.1","tos":"0x10","gateway":"10.1.0.2","dev":"b0","table":"main","prefsrc":"10.1.0.1","flags":[],"flow":{"from":"3","to":"5"},"uid":0,"cache":[],"metrics":[{"mtu":1400,"rtt":1500}]}]\n',
  ],
  [
    'IPv6 output: the flow source is always reported',
    ok(resolved('2001:db8::1', 'b0', { ...gw('2001:db8:b::2'), ...src('2001:db8:b::1'), metric: 1024, protocol: 'boot', uid: 0, mark: 5 })),
    opts(6),
    '2001:db8::1 from :: via 2001:db8:b::2 dev b0 src 2001:db8:b::1 metric 1024 pref medium\n',
    '[{"type":"unicast","dst":"2001:db8::1","from":"::","gateway":"2001:db8:b::2","dev":"b0","table":"main","protocol":"boot","scope":"global","prefsrc":"2001:db8:b::1","metric":1024,"flags":[],"pref":"medium"}]\n',
  ],
  [
    'IPv6 input',
    ok(resolved('2001:db8::1', 'b0', { ...gw('2001:db8:b::2'), from: ip('2001:db8:a::5'), iif: 'a0', metric: 1024, protocol: 'boot' })),
    opts(6),
    '2001:db8::1 from 2001:db8:a::5 via 2001:db8:b::2 dev b0 metric 1024 iif a0 pref medium\n',
    '[{"type":"unicast","dst":"2001:db8::1","from":"2001:db8:a::5","gateway":"2001:db8:b::2","dev":"b0","table":"main","protocol":"boot","scope":"global","metric":1024,"flags":[],"iif":"a0","pref":"medium"}]\n',
  ],
  [
    'IPv6 local, table local, pref high',
    ok(resolved('2001:db8:a::1', 'lo', { type: 'local', table: 255, protocol: 'kernel', ...src('2001:db8:a::1'), metric: 0, pref: 'high' })),
    opts(6),
    'local 2001:db8:a::1 from :: dev lo table local proto kernel src 2001:db8:a::1 metric 0 pref high\n',
    '[{"type":"local","dst":"2001:db8:a::1","from":"::","dev":"lo","table":"local","protocol":"kernel","scope":"global","prefsrc":"2001:db8:a::1","metric":0,"flags":[],"pref":"high"}]\n',
  ],
  [
    'fibmatch, multipath in another table',
    ok(resolved('198.51.100.7', '', {
      table: 200, prefixLength: 24, protocol: 'boot', scope: 0,
      nexthops: [{ ...gw('10.1.0.2'), dev: 'b0', weight: 2, flags: ['linkdown'] }, { ...gw('10.2.0.2'), dev: 'c0', weight: 1, flags: [] }],
    })),
    opts(4, { fibmatch: true }),
    '198.51.100.0/24 table 200 \n\tnexthop via 10.1.0.2 dev b0 weight 2 linkdown \n\tnexthop via 10.2.0.2 dev c0 weight 1 \n',
    '[{"type":"unicast","dst":"198.51.100.0/24","table":"200","protocol":"boot","scope":"global","flags":[],"nexthops":[{"gateway":"10.1.0.2","dev":"b0","weight":2,"flags":["linkdown"]},{"gateway":"10.2.0.2","dev":"c0","weight":1,"flags":[]}]}]\n',
  ],
  [
    'fibmatch, connected route',
    ok(resolved('10.1.0.7', 'b0', { prefixLength: 24, protocol: 'kernel', scope: 253, ...src('10.1.0.1') })),
    opts(4, { fibmatch: true }),
    '10.1.0.0/24 dev b0 proto kernel scope link src 10.1.0.1 \n',
    '[{"type":"unicast","dst":"10.1.0.0/24","dev":"b0","table":"main","protocol":"kernel","scope":"link","prefsrc":"10.1.0.1","flags":[]}]\n',
  ],
  [
    'realm 0 has the name rt_realms gives it',
    ok(resolved('192.0.2.1', 'a0', { ...gw('10.0.0.2'), ...src('10.0.0.1'), uid: 0, realms: 3 << 16 })),
    opts(4),
    '192.0.2.1 via 10.0.0.2 dev a0 src 10.0.0.1 realms 3/cosmos uid 0 \n    cache \n',
    '[{"type":"unicast","dst":"192.0.2.1","gateway":"10.0.0.2","dev":"a0","table":"main","prefsrc":"10.0.0.1","flags":[],"flow":{"from":"3","to":"cosmos"},"uid":0,"cache":[]}]\n',
  ],
  [
    'fibmatch, IPv6 source-specific route: from with its length',
    ok(resolved('2001:db8:9::1', 'c0', { prefixLength: 48, from: ip('2001:db8:a::'), fromPrefixLength: 64, protocol: 'boot', ...gw('2001:db8:c::2'), metric: 1024 })),
    opts(6, { fibmatch: true }),
    '2001:db8:9::/48 from 2001:db8:a::/64 via 2001:db8:c::2 dev c0 metric 1024 pref medium\n',
    '[{"type":"unicast","dst":"2001:db8:9::/48","from":"2001:db8:a::/64","gateway":"2001:db8:c::2","dev":"c0","table":"main","protocol":"boot","scope":"global","metric":1024,"flags":[],"pref":"medium"}]\n',
  ],
  [
    'fibmatch, IPv6 input path: iif',
    ok(resolved('2001:db8:b::1', 'b0', { type: 'local', table: 255, prefixLength: 128, protocol: 'kernel', metric: 0, iif: 'a0' })),
    opts(6, { fibmatch: true }),
    'local 2001:db8:b::1 dev b0 table local proto kernel metric 0 iif a0 pref medium\n',
    '[{"type":"local","dst":"2001:db8:b::1","dev":"b0","table":"local","protocol":"kernel","scope":"global","metric":0,"flags":[],"iif":"a0","pref":"medium"}]\n',
  ],
  [
    'fibmatch, IPv6 nexthop group of one member: a nexthops list, no top-level dev',
    ok(resolved('2001:db8:100::1', '', {
      prefixLength: 64, protocol: 'boot', metric: 1024, nhid: 30,
      nexthops: [{ ...gw('2001:db8:b::2'), dev: 'b0', weight: 2, flags: ['onlink'] }],
    })),
    opts(6, { fibmatch: true }),
    '2001:db8:100::/64 nhid 30 metric 1024 pref medium\n\tnexthop via 2001:db8:b::2 dev b0 weight 2 onlink \n',
    '[{"type":"unicast","dst":"2001:db8:100::/64","nhid":30,"table":"main","protocol":"boot","scope":"global","metric":1024,"flags":[],"pref":"medium","nexthops":[{"gateway":"2001:db8:b::2","dev":"b0","weight":2,"flags":["onlink"]}]}]\n',
  ],
  [
    'fibmatch, IPv6 ECMP siblings',
    ok(resolved('2001:db8:5::1', '', {
      prefixLength: 48, protocol: 'boot', metric: 1024,
      nexthops: [{ ...gw('2001:db8:c::2'), dev: 'c0', weight: 3, flags: [] }, { ...gw('2001:db8:b::2'), dev: 'b0', weight: 1, flags: [] }],
    })),
    opts(6, { fibmatch: true }),
    '2001:db8:5::/48 metric 1024 pref medium\n\tnexthop via 2001:db8:c::2 dev c0 weight 3 \n\tnexthop via 2001:db8:b::2 dev b0 weight 1 \n',
    '[{"type":"unicast","dst":"2001:db8:5::/48","table":"main","protocol":"boot","scope":"global","metric":1024,"flags":[],"pref":"medium","nexthops":[{"gateway":"2001:db8:c::2","dev":"c0","weight":3,"flags":[]},{"gateway":"2001:db8:b::2","dev":"b0","weight":1,"flags":[]}]}]\n',
  ],
  [
    'fibmatch, IPv6 route that expires',
    ok(resolved('2001:db8:6::1', 'a0', { prefixLength: 64, protocol: 'boot', ...gw('2001:db8:a::2'), metric: 1024, expires: 299 })),
    opts(6, { fibmatch: true }),
    '2001:db8:6::/64 via 2001:db8:a::2 dev a0 metric 1024 expires 299sec pref medium\n',
    '[{"type":"unicast","dst":"2001:db8:6::/64","gateway":"2001:db8:a::2","dev":"a0","table":"main","protocol":"boot","scope":"global","metric":1024,"flags":[],"expires":299,"pref":"medium"}]\n',
  ],
  [
    'fibmatch, IPv4 nexthop group of one member: its gateway and dev at top level',
    ok(resolved('203.0.113.1', 'a0', { prefixLength: 26, protocol: 'boot', scope: 0, nhid: 10, ...gw('10.0.0.2'), flags: ['onlink'] })),
    opts(4, { fibmatch: true }),
    '203.0.113.0/26 nhid 10 via 10.0.0.2 dev a0 onlink \n',
    '[{"type":"unicast","dst":"203.0.113.0/26","nhid":10,"gateway":"10.0.0.2","dev":"a0","table":"main","protocol":"boot","scope":"global","flags":["onlink"]}]\n',
  ],
  [
    'fibmatch, IPv6 default',
    ok(resolved('2001:db8::1', 'b0', { prefixLength: 0, protocol: 'boot', ...gw('2001:db8:b::2'), metric: 1024 })),
    opts(6, { fibmatch: true }),
    'default via 2001:db8:b::2 dev b0 metric 1024 pref medium\n',
    '[{"type":"unicast","dst":"default","gateway":"2001:db8:b::2","dev":"b0","table":"main","protocol":"boot","scope":"global","metric":1024,"flags":[],"pref":"medium"}]\n',
  ],
];

test('route get answers print as ip route get / ip -d -j route get print them', () => {
  for (const [name, answer, o, text, json] of ROWS) {
    const t = renderRouteGet(answer, o);
    assert.equal(t.stdout, text, `${name} (text)`);
    assert.equal(t.stderr, '', `${name} (stderr)`);
    assert.equal(renderRouteGet(answer, { ...o, json: true }).stdout, json, `${name} (json)`);
  }
});

test('lookup errors: RTNETLINK line on stderr, errno JSON on stdout', () => {
  const rows: readonly (readonly [RouteAnswer, string, string])[] = [
    [{ ok: false, errno: 'ENETUNREACH', explain: [] }, 'RTNETLINK answers: Network is unreachable\n', '[{"error":{"errno":"ENETUNREACH","message":"Network is unreachable"}}]\n'],
    [{ ok: false, errno: 'EHOSTUNREACH', explain: [] }, 'RTNETLINK answers: No route to host\n', '[{"error":{"errno":"EHOSTUNREACH","message":"No route to host"}}]\n'],
    [{ ok: false, errno: 'EACCES', explain: [] }, 'RTNETLINK answers: Permission denied\n', '[{"error":{"errno":"EACCES","message":"Permission denied"}}]\n'],
    [{ ok: false, errno: 'EINVAL', explain: [] }, 'RTNETLINK answers: Invalid argument\n', '[{"error":{"errno":"EINVAL","message":"Invalid argument"}}]\n'],
    [{ ok: false, errno: 'ENODEV', explain: [] }, 'RTNETLINK answers: No such device\n', '[{"error":{"errno":"ENODEV","message":"No such device"}}]\n'],
    [{ ok: false, errno: 'EOPNOTSUPP', explain: [] }, 'Error: Unsupported ip proto.\n', '[{"error":{"errno":"EOPNOTSUPP","message":"Operation not supported"}}]\n'],
  ];
  for (const [answer, stderr, json] of rows) {
    assert.deepEqual(renderRouteGet(answer, opts(4)), { stdout: '', stderr });
    assert.deepEqual(renderRouteGet(answer, opts(4, { json: true })), { stdout: json, stderr: '' });
  }
  const refused: RouteAnswer = { ok: false, errno: 'EINVAL', explain: [] };
  const line = 'Error: ipv4: Invalid values in header for route get request.';
  assert.equal(renderRouteGet(refused, opts(4, { errorLine: line })).stderr, `${line}\n`);
});

const MULTIPATH: RouteAnswer = {
  ok: true,
  route: resolved('198.51.100.7', 'b0', { ...gw('10.1.0.2'), table: 200, ...src('10.1.0.1'), uid: 0 }),
  candidates: [
    { ...gw('10.1.0.2'), dev: 'b0', weight: 2 },
    { ...gw('10.2.0.2'), dev: 'c0', weight: 1 },
  ],
  explain: [
    { kind: 'rule', text: 'rule 0: from all lookup local: matches', depth: 0 },
    { kind: 'table', text: 'looking up 198.51.100.7 in table local: no route', depth: 1 },
    { kind: 'rule', text: 'rule 200: from all to 198.51.100.0/24 lookup 200: matches', depth: 0 },
    { kind: 'route', text: '198.51.100.0/24 in table 200: two next hops', depth: 1 },
    { kind: 'result', text: '198.51.100.7 via 10.1.0.2 dev b0', depth: 0 },
  ],
};

const MARTIAN: RouteAnswer = {
  ok: false,
  errno: 'EINVAL',
  explain: [
    { kind: 'path', text: 'input path: packet from 10.1.0.1 to 10.0.0.9 on a0', depth: 0 },
    { kind: 'check', text: 'source 10.1.0.1 is one of our addresses: martian source', depth: 0 },
    { kind: 'note', text: 'kernel log (only with log_martians on; it is off): IPv4: martian source 10.0.0.9 from 10.1.0.1, on dev a0', depth: 0 },
    { kind: 'result', text: 'error EINVAL', depth: 0 },
  ],
  logLine: 'IPv4: martian source 10.0.0.9 from 10.1.0.1, on dev a0',
};

test('--explain and multipath notes (golden)', () => {
  const parts: string[] = [];
  for (const [name, answer] of [['multipath', MULTIPATH], ['martian', MARTIAN]] as const) {
    for (const json of [false, true]) {
      const out = renderRouteGet(answer, opts(4, { explain: true, json }));
      parts.push(`## ${name} ${json ? 'json' : 'text'}\n-- stdout\n${out.stdout}-- stderr\n${out.stderr}`);
    }
  }
  assertGolden('route-get-explain.txt', parts.join('\n'));
});

test('without --explain the JSON is exactly ip\'s; the multipath note goes to stderr only', () => {
  const out = renderRouteGet(MULTIPATH, opts(4, { json: true }));
  assert.equal(
    out.stdout,
    '[{"type":"unicast","dst":"198.51.100.7","gateway":"10.1.0.2","dev":"b0","table":"200","prefsrc":"10.1.0.1","flags":[],"uid":0,"cache":[]}]\n',
  );
  assert.match(out.stderr, /^pbr: note: .*\n {2}via 10\.1\.0\.2 dev b0 weight 2\n {2}via 10\.2\.0\.2 dev c0 weight 1\n$/);
});
