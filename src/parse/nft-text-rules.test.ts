import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexNftText, nftChainKey, nftRuleKey, nftTableKey } from './nft-text-rules.ts';

// the shape of `nft -a list ruleset` (nft 1.0.6), with what the index must skip
const TEXT = [
  'table inet pbr { # handle 7',
  '\tflags dormant',
  '',
  '\tset nets4 { # handle 8',
  '\t\ttype ipv4_addr',
  '\t\tflags interval',
  '\t\telements = { 10.0.0.0/8, 172.16.0.1,',
  '\t\t\t     192.168.1.10-192.168.1.20 }',
  '\t}',
  '',
  '\tchain from_lan { # handle 1',
  '\t\tip saddr @nets4 meta mark set 0x00000001 return # handle 15',
  '\t\tct mark set meta mark # handle 17',
  '\t}',
  '',
  '\tchain "odd name" { # handle 2',
  '\t\ttype filter hook prerouting priority mangle; policy accept;',
  '\t\ttcp dport 22 meta mark set 0x00000002 comment "ssh # handle 9 via wan2" # handle 26',
  '\t\tcounter packets 12 bytes 3400 accept # handle 27',
  '\t}',
  '',
  '\tcounter cnt1 { # handle 3',
  '\t\tpackets 0 bytes 0',
  '\t}',
  '}',
  'table netdev nd { # handle 10',
  '\tchain ingress { # handle 1',
  '\t\ttype filter hook ingress device "lo" priority -500; policy accept;',
  '\t\tmeta mark set 0x00000001 # handle 2',
  '\t}',
  '\tchain two { # handle 3',
  '\t\ttype filter hook ingress devices = { va, vb } priority filter; policy accept;',
  '\t}',
  '}',
  '# Warning: table ip mangle is managed by iptables-nft, do not touch!',
].join('\n');

test('indexNftText: rule texts by family, table, chain and handle', () => {
  const index = indexNftText(TEXT);
  assert.deepEqual(
    [...index.rules],
    [
      [nftRuleKey('inet', 'pbr', 'from_lan', 15), 'ip saddr @nets4 meta mark set 0x00000001 return'],
      [nftRuleKey('inet', 'pbr', 'from_lan', 17), 'ct mark set meta mark'],
      [nftRuleKey('inet', 'pbr', 'odd name', 26), 'tcp dport 22 meta mark set 0x00000002 comment "ssh # handle 9 via wan2"'],
      [nftRuleKey('inet', 'pbr', 'odd name', 27), 'counter packets 12 bytes 3400 accept'],
      [nftRuleKey('netdev', 'nd', 'ingress', 2), 'meta mark set 0x00000001'],
    ],
  );
});

test('indexNftText: devices of netdev chains and flags of tables', () => {
  const index = indexNftText(TEXT);
  assert.deepEqual(index.chainDevices.get(nftChainKey('netdev', 'nd', 'ingress')), ['lo']);
  assert.deepEqual(index.chainDevices.get(nftChainKey('netdev', 'nd', 'two')), ['va', 'vb']);
  assert.equal(index.chainDevices.get(nftChainKey('inet', 'pbr', 'odd name')), undefined);
  assert.deepEqual([...index.tableFlags], [[nftTableKey('inet', 'pbr'), ['dormant']]]);
});

test('indexNftText: empty text, empty index', () => {
  const index = indexNftText('');
  assert.equal(index.rules.size + index.chainDevices.size + index.tableFlags.size, 0);
});
