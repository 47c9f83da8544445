import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NfHook } from '../../model/netfilter.ts';
import { hookedChains } from './hook-chains.ts';
import { baseChain, chain, rulesetOf, table } from './nf-test-support.ts';

const ruleset = rulesetOf(
  table([baseChain('pre-filter', [], { priority: 0 }), baseChain('pre-mangle', [], { priority: -150 }), chain('regular', [])], { family: 'ip', name: 'v4' }),
  table([baseChain('pre-raw', [], { priority: -300 }), baseChain('out', [], { hook: 'output', priority: 0 })], { family: 'inet', name: 'both' }),
  table([baseChain('pre-mangle6', [], { priority: -150 })], { family: 'ip6', name: 'v6' }),
  table([baseChain('pre-first-0', [], { priority: 0 }), baseChain('pre-second-0', [], { priority: 0 })], { family: 'inet', name: 'ties' }),
  table([baseChain('ingress-lan', [], { hook: 'ingress', priority: 0, device: 'lan' })], { family: 'netdev', name: 'nd' }),
  table([baseChain('ingress-wan', [], { hook: 'ingress', priority: -500, device: 'wan1' })], { family: 'inet', name: 'inet-ingress' }),
  table([baseChain('arp-in', [], { hook: 'input', priority: 0 })], { family: 'arp', name: 'a' }),
  table([baseChain('br-pre', [], { priority: 0 })], { family: 'bridge', name: 'br' }),
);

test('hookedChains: families, hooks, devices and priority order', () => {
  const cases: Array<{ family: 4 | 6; hook: NfHook; device?: string; want: string[] }> = [
    { family: 4, hook: 'prerouting', want: ['both/pre-raw', 'v4/pre-mangle', 'ties/pre-second-0', 'ties/pre-first-0', 'v4/pre-filter'] },
    { family: 6, hook: 'prerouting', want: ['both/pre-raw', 'v6/pre-mangle6', 'ties/pre-second-0', 'ties/pre-first-0'] },
    { family: 4, hook: 'output', want: ['both/out'] },
    { family: 6, hook: 'input', want: [] },
    { family: 4, hook: 'ingress', want: [] },
    { family: 4, hook: 'ingress', device: 'lan', want: ['nd/ingress-lan'] },
    { family: 6, hook: 'ingress', device: 'lan', want: ['nd/ingress-lan'] },
    { family: 4, hook: 'ingress', device: 'wan1', want: ['inet-ingress/ingress-wan'] },
  ];
  for (const c of cases) {
    const got = hookedChains(ruleset, c.family, c.hook, c.device).map((h) => `${h.table.name}/${h.chain.name}`);
    assert.deepEqual(got, c.want, `${c.family} ${c.hook} ${c.device ?? ''}`);
  }
});
