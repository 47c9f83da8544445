// Records examples/two-uplinks.snapshot.json, the host of `pbr example` and examples/pbr.yaml: a router with a LAN and
// two uplinks as it is before pbr (one default route, strict rp_filter on the second uplink), built in throwaway namespaces.
// Run as root: npx tsx scripts/record-example.ts
import { recordTwoUplinkRouter } from './two-uplink-router.ts';

await recordTwoUplinkRouter('pbrx', new URL('../examples/two-uplinks.snapshot.json', import.meta.url), ({ ip: inRouter, sysctl }) => {
  sysctl('net.ipv4.ip_forward', '1');
  sysctl('net.ipv6.conf.all.forwarding', '1');
  sysctl('net.ipv4.fib_multipath_hash_seed', '4242');
  sysctl('net.ipv4.conf.all.rp_filter', '0');
  const addresses: [string, string][] = [
    ['lan0', '10.0.0.1/24'], ['wan1', '192.0.2.2/24'], ['wan2', '198.51.100.2/24'],
    ['lan0', '2001:db8:a::1/64'], ['wan1', '2001:db8:1::2/64'], ['wan2', '2001:db8:2::2/64'],
  ];
  for (const [dev, addr] of addresses) {
    inRouter('addr', 'add', addr, 'dev', dev, ...(addr.includes(':') ? ['nodad'] : []));
  }
  for (const dev of ['lan0', 'wan1', 'wan2']) inRouter('link', 'set', dev, 'up');
  // strict reverse-path filtering on the second uplink: replies that come back there are martians
  sysctl('net.ipv4.conf.wan2.rp_filter', '1');
  sysctl('net.ipv4.conf.wan2.log_martians', '0');

  // the host as it is before pbr: every connection leaves by the first uplink
  inRouter('route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'wan1');
  inRouter('-6', 'route', 'add', 'default', 'via', '2001:db8:1::1', 'dev', 'wan1');
});
