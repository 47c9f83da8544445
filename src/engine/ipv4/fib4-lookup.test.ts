// IPv4 rule selectors and suppression (spec §3.3, §3.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULE_DEFAULTS, type Rule } from '../../model/network-state.ts';
import { matchFib4Rule } from './fib4-lookup.ts';
import type { Flow4 } from './flow4.ts';
import { ip4, prefix4 } from './test-support.ts';

function rule(extra: Partial<Rule>): Rule {
  return { family: 4, priority: 1, ...RULE_DEFAULTS, order: 0, ...extra };
}

function flow(extra: Partial<Flow4>): Flow4 {
  return { daddr: 0, saddr: 0, tos: 0, scope: 0, iif: 1, oif: 0, mark: 0, uid: 0, proto: 17, sport: 0, dport: 0, l3mdev: 0, l3mdevFromOif: false, ...extra };
}

test('fib4 rule selectors: from/to prefixes, legacy tos (& 0x1c), dscp (full DSCP, optional mask)', () => {
  const cases: readonly (readonly [string, Partial<Rule>, Partial<Flow4>, boolean])[] = [
    ['from all', { src: prefix4('0.0.0.0/0') }, {}, true],
    ['from P without source', { src: prefix4('10.0.0.0/8') }, {}, false],
    ['from P with source', { src: prefix4('10.0.0.0/8') }, { saddr: ip4('10.9.9.9').value }, true],
    ['to P', { dst: prefix4('192.0.2.0/24') }, { daddr: ip4('192.0.2.200').value }, true],
    ['to P miss', { dst: prefix4('192.0.2.0/25') }, { daddr: ip4('192.0.2.200').value }, false],
    ['tos 0x10 vs 0xb0', { tos: 0x10 }, { tos: 0xb0 }, true],
    ['tos 0x10 vs 0x14', { tos: 0x10 }, { tos: 0x14 }, false],
    ['dscp 46 vs tos 0xb8', { dscp: { value: 46, mask: 0x3f } }, { tos: 0xb8 }, true],
    ['dscp 4 vs tos 0x90 (legacy bits equal, DSCP differs)', { dscp: { value: 4, mask: 0x3f } }, { tos: 0x90 }, false],
    ['dscp 0x20/0x38 vs tos 0x88', { dscp: { value: 0x20, mask: 0x38 } }, { tos: 0x88 }, true],
  ];
  for (const [name, sel, f, want] of cases) assert.equal(matchFib4Rule(rule(sel), flow(f)).ok, want, name);
});
