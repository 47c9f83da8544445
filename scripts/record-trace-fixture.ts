// Records test/fixtures/trace/router.snapshot.json: a two-uplink router with an nftables rule set
// (ssh marked to the second uplink, connmark save/restore, a random split, a rule pbr does not model,
// masquerade), built in throwaway namespaces. Run as root: npx tsx scripts/record-trace-fixture.ts
import { recordTwoUplinkRouter } from './two-uplink-router.ts';

const RULESET = `
table inet pbr {
  chain pre {
    type filter hook prerouting priority mangle; policy accept;
    ct state established,related meta mark set ct mark
    iifname "lan0" tcp dport 22 meta mark set 0x2 comment "ssh via wan2"
    iifname "lan0" udp dport 5000 meta mark set numgen random mod 2 offset 1
    iifname "lan0" tcp dport 8080 meta cpu 0 meta mark set 0x2
    ct mark set meta mark
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "lan0" tcp dport 23 reject with tcp reset
    iifname "lan0" tcp dport 25 drop
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname { "wan1", "wan2" } masquerade
  }
}
`;

await recordTwoUplinkRouter('pbrt', new URL('../test/fixtures/trace/router.snapshot.json', import.meta.url), ({ ip: inRouter, exec }) => {
  exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  exec(['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0']);
  exec(['sysctl', '-qw', 'net.ipv4.conf.wan2.rp_filter=1']);
  for (const [dev, addr] of [['lan0', '10.0.0.1/24'], ['wan1', '192.0.2.2/24'], ['wan2', '198.51.100.2/24']] as const) {
    inRouter('addr', 'add', addr, 'dev', dev);
    inRouter('link', 'set', dev, 'up');
  }
  inRouter('route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'wan1');
  inRouter('route', 'add', 'default', 'via', '198.51.100.1', 'dev', 'wan2', 'table', '102');
  inRouter('route', 'add', '10.0.0.0/24', 'dev', 'lan0', 'table', '102');
  inRouter('rule', 'add', 'pref', '1001', 'from', '198.51.100.2', 'lookup', '102');
  inRouter('rule', 'add', 'pref', '1100', 'fwmark', '0x2/0xff', 'lookup', '102');
  exec(['nft', '-f', '-'], RULESET);
});
