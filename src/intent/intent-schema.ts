// The shape of pbr.yaml as a zod schema, published as JSON Schema (schema/pbr.schema.json) for editors.
// parseIntent checks the same shapes itself (with line numbers) and the cross-references on top.
import { z } from 'zod';
import { POLICY_NAME, TABLE_NAME, UPLINK_NAME } from './intent-values.ts';
import { DEFAULT_INTENT_OPTIONS } from './parse-options.ts';
import { DSCP_NAMES, PROTO_NAMES, SERVICE_NAMES } from './parse-match.ts';
import { MAX_WEIGHT } from './parse-uplinks.ts';

const NUMBER = '(\\d+|0[xX][0-9a-fA-F]+)';
const INTEGER_TEXT = new RegExp(`^${NUMBER}$`);
const RANGE_TEXT = new RegExp(`^\\s*${NUMBER}\\s*-\\s*${NUMBER}\\s*$`);
const MARK_TEXT = new RegExp(`^${NUMBER}(/${NUMBER})?$`);
const PREFIX_TEXT = /^[0-9A-Fa-f.:]+(\/\d{1,3})?$/;

const u32 = z.int().min(0).max(0xffffffff);
const hexOrInteger = z.union([u32, z.string().regex(INTEGER_TEXT)]);
const idRange = (min: number, max: number, description: string) =>
  z.union([z.int().min(min).max(max), z.string().regex(RANGE_TEXT)]).meta({ description });
const oneOrMore = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);

const uplinkName = z.string().regex(UPLINK_NAME).meta({ description: 'the name of an uplink declared under uplinks' });
const interfaceName = z.string().min(1).max(15).regex(/^[^/:\s]+$/);

const prefix = z.string().regex(PREFIX_TEXT).meta({ description: 'an IPv4 or IPv6 prefix; a bare address is one host (/32 or /128)' });
const port = z.union([
  z.int().min(1).max(65535),
  z.string().regex(RANGE_TEXT).meta({ description: 'a range "8000-8100"' }),
  z.enum(SERVICE_NAMES).meta({ description: 'a service name from /etc/services' }),
]);

const matchShape = {
  proto: z.union([z.int().min(0).max(255), z.enum(PROTO_NAMES)]).meta({ description: 'IP protocol: tcp, udp, icmp, icmpv6, … or a number' }),
  src: oneOrMore(prefix).meta({ description: 'source prefix or list of prefixes (any of them)' }),
  dst: oneOrMore(prefix).meta({ description: 'destination prefix or list of prefixes (any of them)' }),
  iif: interfaceName.meta({ description: 'input interface; lo means traffic from this host' }),
  sport: oneOrMore(port).meta({ description: 'source port, range or list; needs proto tcp, udp or sctp' }),
  dport: oneOrMore(port).meta({ description: 'destination port, range or list; needs proto tcp, udp or sctp' }),
  dscp: z.union([z.int().min(0).max(63), z.enum([...DSCP_NAMES.keys()])]).meta({ description: 'DSCP value 0-63 or name (cs0-cs7, af11-af43, ef)' }),
  mark: z.union([u32, z.string().regex(MARK_TEXT)]).meta({ description: 'fwmark: a number (all 32 bits compared) or "value/mask"' }),
  uid: oneOrMore(idRange(0, 0xfffffffe, 'a uid or a range "1000-2000"')).meta({ description: 'socket owner uid, range or list (traffic of this host only)' }),
};

const notMatch = z.strictObject(matchShape).partial().meta({ description: 'packets the rest of the match must not be' });
const match = z.strictObject({ ...matchShape, not: notMatch.optional() }).partial().meta({ description: 'all given keys must hold; a list means any of its items' });

const via = z.union([
  uplinkName,
  z.strictObject({
    balance: z.union([
      z.record(z.string().regex(UPLINK_NAME), z.int().min(1).max(MAX_WEIGHT)).meta({ description: 'uplink: weight (share of new connections)' }),
      z.array(uplinkName).min(2).meta({ description: 'uplinks, each with its own weight (default 1)' }),
    ]),
  }),
  z.strictObject({ failover: z.array(uplinkName).min(2).meta({ description: 'uplinks, first choice first' }) }),
]).meta({ description: 'an uplink, { balance: { isp1: 3, isp2: 1 } } or { failover: [isp2, isp1] }' });

const uplink = z.strictObject({
  interface: interfaceName.meta({ description: 'the device traffic leaves by' }),
  gateway: z.ipv4().meta({ description: 'IPv4 next hop of the uplink\'s default route' }).optional(),
  gateway6: z.ipv6().meta({ description: 'IPv6 next hop (a link-local fe80:: address is fine)' }).optional(),
  table: z.union([z.int().min(1).max(0xffffffff), z.string().regex(TABLE_NAME)]).meta({ description: 'routing table id (inside options.table_ids) or name; default: pbr picks one' }).optional(),
  mark: hexOrInteger.meta({ description: 'fwmark that selects this uplink, inside options.mark_mask; default: pbr picks one' }).optional(),
  weight: z.int().min(1).max(MAX_WEIGHT).meta({ description: 'weight in a balance given as a list (default 1)' }).optional(),
});

const policy = z.strictObject({
  name: z.string().regex(POLICY_NAME).meta({ description: 'unique name, shown in plans and traces' }),
  match,
  via,
});

const d = DEFAULT_INTENT_OPTIONS;
const range = (r: { start: number; end: number }): string => `${r.start}-${r.end}`;
const options = z.strictObject({
  rule_priorities: idRange(1, 32765, 'ip rule priorities pbr uses').default(range(d.rulePriorities)),
  table_ids: idRange(1, 0xffffffff, 'routing table ids pbr uses (never 253-255)').default(range(d.tableIds)),
  mark_mask: hexOrInteger.meta({ description: 'the fwmark bits pbr owns (one run of bits)' }).default(`0x${d.markMask.toString(16).padStart(8, '0')}`),
  forwarding: z.boolean().meta({ description: 'turn on IPv4 and IPv6 forwarding (a router); false leaves it as it is' }).default(d.forwarding),
  rp_filter: z.enum(['loose', 'keep']).meta({ description: 'loose: rp_filter 2 on the uplinks; keep: leave it' }).default(d.rpFilter),
  log_martians: z.boolean().meta({ description: 'log_martians on the uplinks; false leaves it as it is' }).default(d.logMartians),
}).partial();

/** The zod schema of the intent file's shape (not its cross-references: those are parseIntent's). */
export const intentFileSchema = z.strictObject({
  uplinks: z.record(z.string().regex(UPLINK_NAME), uplink).meta({ description: 'the links traffic leaves by, by name' }),
  policies: z.array(policy).meta({ description: 'which traffic goes by which uplink; the first matching policy wins' }).optional(),
  default: uplinkName.meta({ description: 'the uplink for traffic no policy matches; default: the main table decides' }).optional(),
  options: options.optional(),
}).meta({ title: 'pbr intent (pbr.yaml)', description: 'Uplinks and policies for pbr, policy-based routing for Linux. See docs/intent.md.' });

/** The published JSON Schema (draft 2020-12). */
export function intentJsonSchema(): object {
  return z.toJSONSchema(intentFileSchema, { io: 'input' });
}

/** The text of schema/pbr.schema.json. */
export function renderIntentSchemaFile(): string {
  return `${JSON.stringify(intentJsonSchema(), null, 2)}\n`;
}
