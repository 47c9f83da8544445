// iproute2's readers of the words it prints (dsfield, IP protocols), for the `ip route get` grammar.
import { DSFIELD_NAMES, IP_PROTOCOLS } from '../model/iproute2-names.ts';
import { parseCUnsigned } from './strtoul.ts';

const DSFIELD_BY_NAME: ReadonlyMap<string, number> = new Map(DSFIELD_NAMES.map(([id, name]) => [name, id]));

/** mirrors rtnl_dsfield_a2n(): a name, else a hexadecimal number (with or without 0x) up to 255. */
export function parseDsfield(text: string): number | undefined {
  return DSFIELD_BY_NAME.get(text) ?? parseCUnsigned(text, 16, 255);
}

const IPPROTO_BY_NAME = new Map<string, number>();
for (const [id, name, ...aliases] of IP_PROTOCOLS) {
  for (const word of [name, ...aliases]) if (!IPPROTO_BY_NAME.has(word)) IPPROTO_BY_NAME.set(word, id);
}

/** mirrors inet_proto_a2n(): a decimal number up to 255, else a protocol name or alias. */
export function parseIpproto(text: string): number | undefined {
  return parseCUnsigned(text, 10, 255) ?? IPPROTO_BY_NAME.get(text);
}
