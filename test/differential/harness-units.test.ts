// Unit tests of the differential harness itself (no namespaces needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddrText, parseAddrText, parsePrefixText, randomAddressIn, prefixContains } from './addr-text.ts';
import { compareAnswers } from './compare-answers.ts';
import type { ConfigCommand } from './config-types.ts';
import { generateConfig } from './generate-config.ts';
import { generateQueries } from './generate-queries.ts';
import { parseBatchStderr } from './ip-batch.ts';
import { kernelErrorAnswer, parseKernelRouteLine } from './kernel-answer.ts';
import { createRandom, deriveSeed } from './prng.ts';
import { FIXTURE_FORMAT, formatFixture, isDifferentialFixture, renderReproducerScript, type DifferentialFixture } from './reproducer.ts';
import { queryGroups, shrinkMismatch } from './shrink.ts';

test('prng: same seed, same sequence; different seeds differ', () => {
  const a = createRandom(42);
  const b = createRandom(42);
  const c = createRandom(43);
  const sa = Array.from({ length: 20 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 20 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 20 }, () => c.next()));
  assert.ok(sa.every((x) => x >= 0 && x < 1));
  assert.notEqual(deriveSeed(1, 0), deriveSeed(1, 1));
});

test('prng: int stays in range and reaches both ends', () => {
  const r = createRandom(7);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(r.int(2, 5));
  assert.deepEqual([...seen].sort(), [2, 3, 4, 5]);
});

test('addr-text: parse and format round trip (RFC 5952 compression)', () => {
  const cases: [string, string][] = [
    ['10.0.0.1', '10.0.0.1'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8:0:1:0:0:0:0', '2001:db8:0:1::'],
    ['fe80::1:0:0:1', 'fe80::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ];
  for (const [input, expected] of cases) {
    const { family, value } = parseAddrText(input);
    assert.equal(formatAddrText(family, value), expected, input);
  }
});

test('addr-text: random addresses stay inside their prefix', () => {
  const r = createRandom(1);
  for (const text of ['10.1.2.0/24', '192.168.7.4/30', '2001:db8:5::/64', '0.0.0.0/0', '10.9.9.9/32']) {
    const p = parsePrefixText(text);
    for (let i = 0; i < 50; i++) {
      const a = parseAddrText(randomAddressIn(r, p));
      assert.ok(prefixContains(p, a.family, a.value), `${text}`);
    }
  }
});

test('generate-config: deterministic, namespaced, with a hash seed and every kind of command', () => {
  const a = generateConfig(1234);
  assert.deepEqual(a, generateConfig(1234));
  assert.notDeepEqual(a.commands, generateConfig(1235).commands);
  const kinds = new Set<string>();
  for (let s = 0; s < 200; s++) {
    const c = generateConfig(deriveSeed(99, s));
    assert.ok(c.commands.some((x) => x.tool === 'sysctl' && /^net\.ipv4\.fib_multipath_hash_seed=[1-9]/.test(x.args[0] ?? '')));
    for (const x of c.commands) {
      assert.ok(x.args.every((w) => w !== '' && !/\s/.test(w)), x.args.join(' '));
      kinds.add(`${x.tool} ${x.args.filter((w) => !w.startsWith('-')).slice(0, 2).join(' ')}`);
    }
  }
  for (const k of ['ip rule add', 'ip rule del', 'ip route add', 'ip route append', 'ip nexthop add', 'ip addr add', 'ip link set']) {
    assert.ok(kinds.has(k), k);
  }
});

test('generate-queries: deterministic, both families, both paths', () => {
  const facts = generateConfig(5).facts;
  const q = generateQueries(facts, 77, 300);
  assert.deepEqual(q, generateQueries(facts, 77, 300));
  assert.ok(q.some((x) => x.includes('iif')));
  assert.ok(q.some((x) => !x.includes('iif')));
  assert.ok(q.some((x) => x.some((w) => w.includes(':'))));
  assert.ok(q.every((x) => x.length > 0 && x.every((w) => w !== '')));
  const only6 = generateQueries(facts, 78, 100, 6);
  const destinations = only6.map((x) => queryGroups(x).find((g) => g.length === 1 && g[0] !== 'fibmatch')?.[0] ?? queryGroups(x).find((g) => g[0] === 'to')?.[1]);
  assert.ok(destinations.every((d) => d?.includes(':')), 'family 6 gives IPv6 destinations');
});

test('ip-batch: failures are paired with their line; an abort leaves trailing text', () => {
  const s = parseBatchStderr('RTNETLINK answers: Network is unreachable\nCommand failed -:2\nError: Unsupported ip proto.\nCommand failed -:6\n');
  assert.deepEqual([...s.failures], [[2, 'RTNETLINK answers: Network is unreachable'], [6, 'Error: Unsupported ip proto.']]);
  assert.equal(s.trailing, '');
  assert.equal(parseBatchStderr('Command failed -:1\nError: inet prefix is expected rather than "x".\n').trailing,
    'Error: inet prefix is expected rather than "x".');
});

test('kernel-answer: errno from strerror text and from extack', () => {
  assert.deepEqual(kernelErrorAnswer('RTNETLINK answers: No route to host'), { ok: false, errno: 'EHOSTUNREACH', message: 'No route to host' });
  assert.deepEqual(kernelErrorAnswer('Error: Unsupported ip proto.'), { ok: false, errno: 'EOPNOTSUPP', message: 'Operation not supported' });
  assert.equal((kernelErrorAnswer('RTNETLINK answers: Message too long') as { errno: string }).errno, 'EMSGSIZE');
  assert.deepEqual(parseKernelRouteLine('[{"type":"unicast","dst":"1.2.3.4"}]'), { ok: true, route: { type: 'unicast', dst: '1.2.3.4' } });
  assert.throws(() => parseKernelRouteLine('[]'));
});

test('compare-answers: contract fields only, presence matters, errors by errno', () => {
  const kernel = { ok: true as const, route: { type: 'unicast', dst: '1.2.3.4', dev: 'a0', table: 'main', uid: 0, flags: [], cache: [] } };
  assert.deepEqual(compareAnswers(kernel, [{ type: 'unicast', dst: '1.2.3.4', dev: 'a0', table: 'main', uid: 0, flags: ['x'] }]), []);
  assert.deepEqual(compareAnswers(kernel, [{ type: 'unicast', dst: '1.2.3.4', dev: 'b0', table: 'main' }]).map((d) => d.field), ['dev', 'uid']);
  assert.deepEqual(compareAnswers(kernel, [{ error: { errno: 'ENETUNREACH', message: 'Network is unreachable' } }]).map((d) => d.field), ['outcome']);
  const failure = { ok: false as const, errno: 'EINVAL', message: 'Invalid argument' };
  assert.deepEqual(compareAnswers(failure, [{ error: { errno: 'EINVAL', message: 'Invalid argument' } }]), []);
  assert.deepEqual(compareAnswers(failure, [{ error: { errno: 'EXDEV', message: 'Invalid cross-device link' } }]).map((d) => d.field), ['errno']);
  assert.deepEqual(compareAnswers(failure, [{ error: { errno: 'EINVAL', message: 'invalid' } }]).map((d) => d.field), ['message']);
  assert.deepEqual(compareAnswers(failure, [{ type: 'unicast' }]).map((d) => d.field), ['outcome']);
  assert.deepEqual(compareAnswers(failure, []).map((d) => d.field), ['outcome']);
  assert.equal(compareAnswers(failure, { crash: 'TypeError: x is undefined' })[0]?.pbr, 'crash (TypeError)');
  assert.equal(compareAnswers(kernel, { cliFailure: 'exit 1' })[0]?.pbr, 'cli failure');
});

test('shrink: keeps only the commands the mismatch needs, then drops query selectors', async () => {
  const cmd = (n: number): ConfigCommand => ({ target: 'router', tool: 'ip', args: ['c', String(n)] });
  const commands = Array.from({ length: 40 }, (_, i) => cmd(i));
  // the "mismatch" needs commands 3 and 31 and the mark selector
  const result = await shrinkMismatch(commands, ['1.2.3.4', 'from', '10.0.0.1', 'mark', '5', 'fibmatch'], async (cmds, q) => ({
    reproduces: cmds.some((c) => c.args[1] === '3') && cmds.some((c) => c.args[1] === '31') && q.includes('mark'),
    applied: cmds,
  }));
  assert.deepEqual(result.commands.map((c) => c.args[1]), ['3', '31']);
  assert.deepEqual(result.query, ['1.2.3.4', 'mark', '5']);
});

test('shrink: query groups pair keywords with their argument', () => {
  assert.deepEqual(queryGroups(['iif', 'a0', '10.0.0.1', 'fibmatch', 'to', '1.2.3.4']), [['iif', 'a0'], ['10.0.0.1'], ['fibmatch'], ['to', '1.2.3.4']]);
});

test('reproducer: a fixture survives formatting, one command per line', () => {
  const fixture: DifferentialFixture = {
    format: FIXTURE_FORMAT, name: 'x', seed: 1, diagnosis: 'd',
    commands: [{ target: 'router', tool: 'ip', args: ['link', 'set', 'lo', 'up'] }, { target: 'router', tool: 'sysctl', args: ['a.b=1'] }],
    query: ['10.0.0.1', 'iif', 'a0'], kernel: [{ type: 'local' }], pbrAtRecording: [{ type: 'unicast' }], kernelRelease: '6.18.44',
  };
  const text = formatFixture(fixture);
  assert.deepEqual(JSON.parse(text), fixture);
  assert.ok(isDifferentialFixture(JSON.parse(text)));
  assert.equal(text.split('\n').filter((l) => l.includes('"target"')).length, 2);
  const script = renderReproducerScript({ seed: 1, commands: fixture.commands, query: fixture.query, kernel: fixture.kernel, pbr: fixture.pbrAtRecording, diffs: [] });
  assert.match(script, /^ip -n "\$R" link set lo up$/m);
  assert.match(script, /^ip netns exec "\$R" sysctl -qw a\.b=1$/m);
  assert.match(script, /^ip -n "\$R" -d -j route get 10\.0\.0\.1 iif a0$/m);
});
