// Service names for ports (`dport ssh`), as getservbyname(3) reads them from /etc/services.

/** One line of /etc/services: `name port/protocol aliases…`. */
export interface ServiceEntry {
  readonly name: string;
  readonly port: number;
  /** "tcp", "udp", "sctp", "dccp" */
  readonly protocol: string;
  readonly aliases: readonly string[];
}

// the ports of the services policy-routing rules name most, as netbase's /etc/services lists them
const COMMON: readonly (readonly [string, number, readonly string[], readonly string[]])[] = [
  ['ftp-data', 20, ['tcp'], []],
  ['ftp', 21, ['tcp'], []],
  ['ssh', 22, ['tcp'], []],
  ['telnet', 23, ['tcp'], []],
  ['smtp', 25, ['tcp'], ['mail']],
  ['domain', 53, ['tcp', 'udp'], []],
  ['bootps', 67, ['udp'], []],
  ['bootpc', 68, ['udp'], []],
  ['tftp', 69, ['udp'], []],
  ['http', 80, ['tcp'], ['www']],
  ['kerberos', 88, ['tcp', 'udp'], ['kerberos5', 'krb5', 'kerberos-sec']],
  ['pop3', 110, ['tcp'], ['pop-3']],
  ['sunrpc', 111, ['tcp', 'udp'], ['portmapper']],
  ['ntp', 123, ['udp'], []],
  ['imap2', 143, ['tcp'], ['imap']],
  ['snmp', 161, ['tcp', 'udp'], []],
  ['bgp', 179, ['tcp'], []],
  ['ldap', 389, ['tcp', 'udp'], []],
  ['https', 443, ['tcp', 'udp'], []],
  ['submissions', 465, ['tcp'], ['ssmtp', 'smtps', 'urd']],
  ['isakmp', 500, ['udp'], []],
  ['syslog', 514, ['udp'], []],
  ['dhcpv6-client', 546, ['udp'], []],
  ['dhcpv6-server', 547, ['udp'], []],
  ['submission', 587, ['tcp'], []],
  ['ldaps', 636, ['tcp', 'udp'], []],
  ['domain-s', 853, ['tcp', 'udp'], []],
  ['rsync', 873, ['tcp'], []],
  ['imaps', 993, ['tcp'], []],
  ['pop3s', 995, ['tcp'], []],
  ['openvpn', 1194, ['tcp', 'udp'], []],
  ['l2tp', 1701, ['udp'], []],
  ['radius', 1812, ['tcp', 'udp'], []],
  ['mysql', 3306, ['tcp'], []],
  ['ms-wbt-server', 3389, ['tcp'], []],
  ['ipsec-nat-t', 4500, ['udp'], []],
  ['sip', 5060, ['tcp', 'udp'], []],
  ['postgresql', 5432, ['tcp'], ['postgres']],
  ['redis', 6379, ['tcp'], []],
  ['http-alt', 8080, ['tcp'], ['webcache']],
];

/** The built-in table, used when /etc/services cannot be read. */
export const BUILTIN_SERVICES: readonly ServiceEntry[] = COMMON.flatMap(([name, port, protocols, aliases]) =>
  protocols.map((protocol) => ({ name, port, protocol, aliases })),
);

/** Name (or alias) → protocol → port, the first entry of the file winning as in getservbyname(3). */
export type ServiceIndex = ReadonlyMap<string, ReadonlyMap<string, number>>;

export function indexServices(entries: readonly ServiceEntry[]): ServiceIndex {
  const index = new Map<string, Map<string, number>>();
  for (const e of entries) {
    for (const word of [e.name, ...e.aliases]) {
      let byProtocol = index.get(word);
      if (!byProtocol) index.set(word, (byProtocol = new Map()));
      if (!byProtocol.has(e.protocol)) byProtocol.set(e.protocol, e.port);
    }
  }
  return index;
}

/**
 * The port of a service name for `protocol`; a name listed only for other protocols gives that port
 * (`dport https` on udp is 443 even where the file lists https/tcp only).
 */
export function lookupServicePort(index: ServiceIndex, name: string, protocol: string | undefined): number | undefined {
  const byProtocol = index.get(name);
  if (!byProtocol) return undefined;
  if (protocol !== undefined) {
    const exact = byProtocol.get(protocol);
    if (exact !== undefined) return exact;
  }
  return byProtocol.values().next().value;
}
