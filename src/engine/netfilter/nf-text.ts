// Short texts for trace steps: what a statement did, which verdict, which chain.
import { formatIp } from '../../addr/address.ts';
import type { ChainRef } from '../../model/journey.ts';
import type { NfExpr, NfLiteral, NfRule, NfVerdict } from '../../model/netfilter.ts';
import type { NatRequest } from './chain-branch.ts';
import { formatHex } from './nf-value.ts';

export function formatVerdict(verdict: NfVerdict): string {
  return verdict.kind === 'jump' || verdict.kind === 'goto' ? `${verdict.kind} ${verdict.chain}` : verdict.kind;
}

export function formatChainRef(ref: ChainRef): string {
  return `${ref.family} ${ref.table} ${ref.chain}`;
}

/** A rule as assumptions and verdicts name it: its text, its chain, and its handle or line. */
export function formatRuleLabel(ref: ChainRef, rule: NfRule): string {
  const where = rule.handle !== undefined ? ` handle ${rule.handle}` : rule.source?.line !== undefined ? ` line ${rule.source.line}` : '';
  return `rule "${rule.text}" (${formatChainRef(ref)}${where})`;
}

function formatLiteral(value: NfLiteral): string {
  return typeof value === 'bigint' ? formatHex(value) : `"${value}"`;
}

/** The left-hand side of a match or the target of a `set`, as nft would write it. */
export function describeExpr(expr: NfExpr): string {
  switch (expr.kind) {
    case 'const': return formatLiteral(expr.value);
    case 'meta': return `meta ${expr.key}`;
    case 'ct': return expr.dir ? `ct ${expr.dir} ${expr.key}` : `ct ${expr.key}`;
    case 'payload': return `${expr.protocol} ${expr.field}`;
    case 'numgen': return `numgen ${expr.mode} mod ${expr.mod}${expr.offset ? ` offset ${expr.offset}` : ''}`;
    case 'hash': return expr.text;
    case 'binop': return `${describeExpr(expr.left)} ${expr.op} ${describeExpr(expr.right)}`;
    case 'concat': return expr.parts.map(describeExpr).join(' . ');
    case 'map': return `${describeExpr(expr.key)} map`;
    case 'unknown': return expr.text;
  }
}

function formatPortRange(nat: NatRequest): string {
  if (nat.port === undefined) return '';
  return nat.portHigh !== undefined && nat.portHigh !== nat.port ? `:${nat.port}-${nat.portHigh}` : `:${nat.port}`;
}

/** "snat to 192.0.2.1", "dnat to 10.0.0.2:8080", "masquerade", "redirect to :8080". */
export function formatNat(nat: NatRequest): string {
  const low = nat.addr ? formatIp(nat.addr) : '';
  const high = nat.addrHigh && nat.addr && nat.addrHigh.value !== nat.addr.value ? `-${formatIp(nat.addrHigh)}` : '';
  const ports = formatPortRange(nat);
  const addresses = ports && nat.addr?.family === 6 ? `[${low}${high}]` : `${low}${high}`;
  const target = `${addresses}${ports}`;
  return target ? `${nat.type} to ${target}` : nat.type;
}
