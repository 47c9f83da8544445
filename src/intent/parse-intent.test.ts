import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatDiagnostic } from '../model/diagnostics.ts';
import { makePrefix, prefixContains } from '../addr/prefix.ts';
import { FILE, ip, VALID_INTENTS } from './intent-cases-test-support.ts';
import { parseIntent } from './parse-intent.ts';

for (const c of VALID_INTENTS) {
  test(`parseIntent: ${c.name}`, () => {
    const r = parseIntent(c.yaml, FILE);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
    assert.deepEqual(r.value, c.expected);
  });
}

test('parseIntent: examples/pbr.yaml is valid and names the example host\'s uplinks', () => {
  const text = readFileSync(new URL('../../examples/pbr.yaml', import.meta.url), 'utf8');
  const r = parseIntent(text, 'examples/pbr.yaml');
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(r.value?.uplinks.map((u) => [u.name, u.interface]), [['isp1', 'wan1'], ['isp2', 'wan2']]);
  assert.deepEqual(r.value?.policies.map((p) => p.name), ['ssh-via-isp2', 'web-via-isp1', 'office', 'office-v6', 'backup-first']);
  assert.equal(r.value?.options.forwarding, true);
});

test('parseIntent: examples/pbr.yaml fits the example host: its interfaces, gateways on their subnets', () => {
  type Link = { ifname: string; addr_info: { local: string; prefixlen: number }[] };
  const snapshot = JSON.parse(readFileSync(new URL('../../examples/two-uplinks.snapshot.json', import.meta.url), 'utf8')) as { sources: { ipAddr: { stdout: string } } };
  const links = JSON.parse(snapshot.sources.ipAddr.stdout) as Link[];
  const r = parseIntent(readFileSync(new URL('../../examples/pbr.yaml', import.meta.url), 'utf8'), 'examples/pbr.yaml');
  assert.equal(r.value?.uplinks.length, 2);
  for (const u of r.value?.uplinks ?? []) {
    const link = links.find((l) => l.ifname === u.interface);
    assert.ok(link, `${u.interface} is on the host`);
    const subnets = link.addr_info.map((a) => makePrefix(ip(a.local), a.prefixlen));
    for (const gateway of [u.gateway, u.gateway6]) {
      assert.ok(gateway && subnets.some((p) => prefixContains(p, gateway)), `${u.name}: gateway on a subnet of ${u.interface}`);
    }
  }
});
