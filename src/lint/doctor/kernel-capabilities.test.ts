import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessCapability,
  KERNEL_CAPABILITIES,
  needsTrial,
  parseKernelConfig,
  parseProcModules,
  type CapabilityDef,
  type CapabilityEvidence,
  type KernelConfig,
} from './kernel-capabilities.ts';

function def(id: string): CapabilityDef {
  const found = KERNEL_CAPABILITIES.find((d) => d.id === id);
  assert.ok(found, id);
  return found;
}

const config = (text: string): KernelConfig => ({ source: '/proc/config.gz', options: parseKernelConfig(text) });

test('parseKernelConfig: y, m, strings, "is not set"; comments and blank lines ignored', () => {
  const options = parseKernelConfig('#\n# Networking\nCONFIG_IP_MULTIPLE_TABLES=y\nCONFIG_NFT_CT=m\nCONFIG_LOCALVERSION="-fc"\n# CONFIG_IPV6_SUBTREES is not set\n\n');
  assert.deepEqual([...options], [['IP_MULTIPLE_TABLES', 'y'], ['NFT_CT', 'm'], ['LOCALVERSION', '"-fc"'], ['IPV6_SUBTREES', 'n']]);
});

test('parseProcModules: the first word of each line', () => {
  const modules = parseProcModules('nft_ct 24576 2 - Live 0x0000000000000000\nxt_mark 12288 0 - Live 0x0000000000000000\n');
  assert.deepEqual([...modules], ['nft_ct', 'xt_mark']);
});

const cases: readonly { name: string; id: string; evidence: CapabilityEvidence; verdict: string; source: string; shows: RegExp }[] = [
  { name: 'built in', id: 'multiple-tables', evidence: { config: config('CONFIG_IP_MULTIPLE_TABLES=y') }, verdict: 'yes', source: 'config', shows: /^CONFIG_IP_MULTIPLE_TABLES=y in \/proc\/config.gz$/ },
  { name: 'not set', id: 'multiple-tables', evidence: { config: config('# CONFIG_IP_MULTIPLE_TABLES is not set') }, verdict: 'no', source: 'config', shows: /CONFIG_IP_MULTIPLE_TABLES=n/ },
  { name: 'absent from the config counts as not set', id: 'multipath', evidence: { config: config('CONFIG_IP_MULTIPLE_TABLES=y') }, verdict: 'no', source: 'config', shows: /CONFIG_IP_ROUTE_MULTIPATH=n/ },
  { name: 'a module', id: 'nft-ct-mark', evidence: { config: config('CONFIG_NF_TABLES=m\nCONFIG_NFT_CT=m\nCONFIG_NF_CONNTRACK_MARK=y') }, verdict: 'yes', source: 'config', shows: /as a module loaded on first use/ },
  { name: 'every option of a group needed', id: 'nft-ct-mark', evidence: { config: config('CONFIG_NF_TABLES=y\nCONFIG_NFT_CT=y\n# CONFIG_NF_CONNTRACK_MARK is not set') }, verdict: 'no', source: 'config', shows: /CONFIG_NF_CONNTRACK_MARK=n/ },
  { name: 'an option merged away later is not needed when the config does not name it', id: 'nft-route-chain', evidence: { config: config('CONFIG_NF_TABLES_IPV4=y') }, verdict: 'yes', source: 'config', shows: /^CONFIG_NF_TABLES_IPV4=y in/ },
  { name: 'an old kernel that names it needs it', id: 'nft-route-chain', evidence: { config: config('CONFIG_NF_TABLES_IPV4=y\n# CONFIG_NFT_CHAIN_ROUTE_IPV4 is not set') }, verdict: 'no', source: 'config', shows: /CONFIG_NFT_CHAIN_ROUTE_IPV4=n/ },
  { name: 'either alternative', id: 'xt-mark', evidence: { config: config('CONFIG_NETFILTER_XT_MATCH_MARK=m\nCONFIG_NETFILTER_XT_TARGET_MARK=m') }, verdict: 'yes', source: 'config', shows: /XT_MATCH_MARK=m CONFIG_NETFILTER_XT_TARGET_MARK=m/ },
  { name: 'no config: a loaded module', id: 'xt-connmark', evidence: { modules: new Set(['xt_connmark']) }, verdict: 'yes', source: 'modules', shows: /module xt_connmark is loaded/ },
  { name: 'no config, module not loaded: the trial', id: 'xt-connmark', evidence: { modules: new Set(['xt_mark']), trial: { ok: true } }, verdict: 'yes', source: 'trial', shows: /trial/ },
  { name: 'a failed trial', id: 'multipath', evidence: { trial: { ok: false, failed: 'ip -n pbrdoc-1-2 route add …', error: 'Error: Operation not supported.' } }, verdict: 'no', source: 'trial', shows: /Operation not supported/ },
  { name: 'nothing tells', id: 'multipath', evidence: { unreadable: 'no kernel config (/proc/config.gz: ENOENT)', trial: { ok: false, notRun: 'a trial needs root' } }, verdict: 'unknown', source: 'none', shows: /ENOENT.*; a trial needs root/ },
  { name: 'the config wins over a trial', id: 'multipath', evidence: { config: config('CONFIG_IP_ROUTE_MULTIPATH=y'), trial: { ok: false, failed: 'x', error: 'y' } }, verdict: 'yes', source: 'config', shows: /MULTIPATH=y/ },
];

for (const c of cases) {
  test(`assessCapability: ${c.name}`, () => {
    const result = assessCapability(def(c.id), c.evidence);
    assert.equal(result.verdict, c.verdict);
    assert.equal(result.source, c.source);
    assert.match(result.evidence, c.shows);
    assert.equal(result.severity === 'info', c.verdict !== 'no' || def(c.id).severity === 'info');
    assert.equal(result.hint !== undefined, c.verdict !== 'yes');
  });
}

test('a missing capability names the config options to build with', () => {
  const result = assessCapability(def('nft-ct-mark'), { config: config('') });
  assert.equal(result.severity, 'warning');
  assert.match(result.hint ?? '', /CONFIG_NF_TABLES \+ CONFIG_NFT_CT \+ CONFIG_NF_CONNTRACK_MARK/);
});

test('needsTrial: only what the config and modules leave open', () => {
  const withConfig = { config: config('CONFIG_IP_MULTIPLE_TABLES=y') };
  assert.deepEqual(KERNEL_CAPABILITIES.filter((d) => needsTrial(d, withConfig)), []);
  const modulesOnly = { modules: new Set(['nft_ct', 'xt_mark']) };
  assert.deepEqual(
    KERNEL_CAPABILITIES.filter((d) => needsTrial(d, modulesOnly)).map((d) => d.id),
    ['multiple-tables', 'fwmark-rules', 'multipath', 'ipv6-multiple-tables', 'ipv6-subtrees', 'nft-meta-mark', 'nft-route-chain', 'nat-masquerade', 'xt-connmark'],
  );
});

test('every capability has a trial that runs in the throwaway namespace', () => {
  for (const d of KERNEL_CAPABILITIES) {
    assert.ok(d.trial.steps.length > 0, d.id);
    for (const step of d.trial.steps) assert.ok(step.includes('NS'), `${d.id}: ${step.join(' ')}`);
  }
});
