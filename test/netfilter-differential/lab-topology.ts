// The lab every rule set runs in: a client, a router with three uplinks, and a sink behind each uplink.
// Marks choose the uplink: fwmark 0x1/0x3 → table 101 (up2), 0x2/0x3 → table 102 (up3), 0x3/0x3 → table 103
// (unreachable); everything else takes the main table's default route via up1.

export const CLIENT_ADDR = '10.0.0.2';
export const ROUTER_LAN_ADDR = '10.0.0.1';
/** The far address every sink holds on its loopback. */
export const REMOTE_ADDR = '198.51.100.10';
export const UPLINKS = ['up1', 'up2', 'up3'] as const;
export const ROUTER_DEVICES = ['lan', ...UPLINKS] as const;

export function uplinkRouterAddr(index: number): string {
  return `10.1.${index + 1}.1`;
}

export function uplinkSinkAddr(index: number): string {
  return `10.1.${index + 1}.2`;
}

/** `ip rule` selectors and the tables they choose. */
export const FWMARK_RULES = [
  { pref: 1000, fwmark: 0x1, mask: 0x3, table: 101 },
  { pref: 1001, fwmark: 0x2, mask: 0x3, table: 102 },
  { pref: 1002, fwmark: 0x3, mask: 0x3, table: 103 },
] as const;

/** Destination ports probes use; the generator draws port ranges from the same list. */
export const PROBE_PORTS = [22, 53, 80, 443, 1000, 2000, 5000, 8080] as const;
