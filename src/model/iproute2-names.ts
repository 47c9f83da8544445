// The words iproute2 prints for numbers (scopes, protocols, dsfield, IP protocols, device groups).

// mirrors rtnl_rtscope_tab, lib/rt_names.c
const SCOPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'global'],
  [200, 'site'],
  [253, 'link'],
  [254, 'host'],
  [255, 'nowhere'],
]);

/** mirrors rtnl_rtscope_n2a(). */
export function scopeName(scope: number): string {
  return SCOPE_NAMES.get(scope) ?? String(scope);
}

// mirrors rtnl_rtprot_tab, lib/rt_names.c, plus the rt_protos file iproute2 6.1 installs
const PROTOCOL_NAMES: readonly (readonly [number, string])[] = [
  [0, 'unspec'], [1, 'redirect'], [2, 'kernel'], [3, 'boot'], [4, 'static'], [8, 'gated'], [9, 'ra'],
  [10, 'mrt'], [11, 'zebra'], [12, 'bird'], [13, 'dnrouted'], [14, 'xorp'], [15, 'ntk'], [16, 'dhcp'],
  [18, 'keepalived'], [42, 'babel'], [99, 'openr'], [186, 'bgp'], [187, 'isis'], [188, 'ospf'], [189, 'rip'], [192, 'eigrp'],
];
const PROTOCOL_BY_NAME: ReadonlyMap<string, number> = new Map(PROTOCOL_NAMES.map(([id, name]) => [name, id]));
const PROTOCOL_BY_ID: ReadonlyMap<number, string> = new Map(PROTOCOL_NAMES);

/**
 * A protocol as the model stores it (the word iproute2 printed, or a number) to the word iproute2
 * prints; numbers with a built-in name get that name.
 */
export function protocolName(protocol: string): string {
  if (/^\d+$/.test(protocol)) return PROTOCOL_BY_ID.get(Number(protocol)) ?? protocol;
  return protocol;
}

/** The protocol number of a model protocol word; undefined for a name from a local rt_protos file. */
export function protocolId(protocol: string): number | undefined {
  if (/^\d+$/.test(protocol)) return Number(protocol);
  return PROTOCOL_BY_NAME.get(protocol);
}

// mirrors the rt_dsfield file iproute2 6.1 installs (/etc/iproute2/rt_dsfield)
export const DSFIELD_NAMES: readonly (readonly [number, string])[] = [
  [0x00, 'default'],
  [0x28, 'AF11'], [0x30, 'AF12'], [0x38, 'AF13'], [0x48, 'AF21'], [0x50, 'AF22'], [0x58, 'AF23'],
  [0x68, 'AF31'], [0x70, 'AF32'], [0x78, 'AF33'], [0x88, 'AF41'], [0x90, 'AF42'], [0x98, 'AF43'],
  [0x20, 'CS1'], [0x40, 'CS2'], [0x60, 'CS3'], [0x80, 'CS4'], [0xa0, 'CS5'], [0xc0, 'CS6'], [0xe0, 'CS7'],
  [0xb8, 'EF'],
];
const DSFIELD_BY_ID: ReadonlyMap<number, string> = new Map(DSFIELD_NAMES);

/** mirrors rtnl_dsfield_n2a(): a name from rt_dsfield, else "0x%02x". */
export function dsfieldName(tos: number): string {
  return DSFIELD_BY_ID.get(tos) ?? `0x${tos.toString(16).padStart(2, '0')}`;
}

// IP protocol names and aliases as getprotobynumber()/getprotobyname() give them from netbase's /etc/protocols
export const IP_PROTOCOLS: readonly (readonly [number, string, ...string[]])[] = [
  [0, 'ip', 'IP'], [0, 'hopopt', 'HOPOPT'], [1, 'icmp', 'ICMP'], [2, 'igmp', 'IGMP'], [3, 'ggp', 'GGP'],
  [4, 'ipencap', 'IP-ENCAP'], [5, 'st', 'ST'], [6, 'tcp', 'TCP'], [8, 'egp', 'EGP'], [9, 'igp', 'IGP'],
  [12, 'pup', 'PUP'], [17, 'udp', 'UDP'], [20, 'hmp', 'HMP'], [22, 'xns-idp', 'XNS-IDP'], [27, 'rdp', 'RDP'],
  [29, 'iso-tp4', 'ISO-TP4'], [33, 'dccp', 'DCCP'], [36, 'xtp', 'XTP'], [37, 'ddp', 'DDP'],
  [38, 'idpr-cmtp', 'IDPR-CMTP'], [41, 'ipv6', 'IPv6'], [43, 'ipv6-route', 'IPv6-Route'],
  [44, 'ipv6-frag', 'IPv6-Frag'], [45, 'idrp', 'IDRP'], [46, 'rsvp', 'RSVP'], [47, 'gre', 'GRE'],
  [50, 'esp', 'IPSEC-ESP'], [51, 'ah', 'IPSEC-AH'], [57, 'skip', 'SKIP'], [58, 'ipv6-icmp', 'IPv6-ICMP'],
  [59, 'ipv6-nonxt', 'IPv6-NoNxt'], [60, 'ipv6-opts', 'IPv6-Opts'], [73, 'rspf', 'RSPF', 'CPHB'],
  [81, 'vmtp', 'VMTP'], [88, 'eigrp', 'EIGRP'], [89, 'ospf', 'OSPFIGP'], [93, 'ax.25', 'AX.25'],
  [94, 'ipip', 'IPIP'], [97, 'etherip', 'ETHERIP'], [98, 'encap', 'ENCAP'], [103, 'pim', 'PIM'],
  [108, 'ipcomp', 'IPCOMP'], [112, 'vrrp', 'VRRP'], [115, 'l2tp', 'L2TP'], [124, 'isis', 'ISIS'],
  [132, 'sctp', 'SCTP'], [133, 'fc', 'FC'], [135, 'mobility-header', 'Mobility-Header'],
  [136, 'udplite', 'UDPLite'], [137, 'mpls-in-ip', 'MPLS-in-IP'], [138, 'manet'], [139, 'hip', 'HIP'],
  [140, 'shim6', 'Shim6'], [141, 'wesp', 'WESP'], [142, 'rohc', 'ROHC'], [143, 'ethernet', 'Ethernet'],
];
const IPPROTO_BY_ID = new Map<number, string>();
for (const [id, name] of IP_PROTOCOLS) if (!IPPROTO_BY_ID.has(id)) IPPROTO_BY_ID.set(id, name);

/** mirrors inet_proto_n2a(): the protocol's name, else "ipproto-N". */
export function ipprotoName(proto: number): string {
  return IPPROTO_BY_ID.get(proto) ?? `ipproto-${proto}`;
}

/** mirrors rtnl_group_n2a() with iproute2's default group file ("0 default"). */
export function groupName(group: number): string {
  return group === 0 ? 'default' : String(group);
}
