// The reply to a request that got somewhere: where it starts, which mark and conntrack view it has (spec §9.3).
import { formatIp } from '../../addr/address.ts';
import type { JourneyStep, NfPacketState, TraceRequest } from '../../model/journey.ts';
import { CT_STATUS_BITS } from '../../model/netfilter.ts';
import { hex, NO_CT, type Conntrack, type Flight, type JourneyContext, type LocalSocket } from './flight.ts';
import type { Ended } from './hook-pass.ts';
import { traceLocal, traceReceived } from './paths.ts';

/** ICMP echo request → echo reply (IPv4 8 → 0, IPv6 128 → 129). */
const ECHO_REPLY: Readonly<Record<number, number>> = { 8: 0, 128: 129 };

export interface ReplyTrace {
  readonly request: TraceRequest;
  readonly ended: readonly Ended[];
}

/** The reply's view of the entry: reply direction, established, the entry's ct mark and NAT bindings. */
function replyConntrack(f: Flight, steps: JourneyStep[], assumptions: string[]): Conntrack {
  const { ct, packet: p } = f;
  if (ct.tracked && ct.orig) {
    return { ...ct, attached: false, direction: 'reply', state: 'established', mark: p.ct.mark, status: p.ct.status | CT_STATUS_BITS.confirmed, dstManipDone: true, srcManipDone: true };
  }
  if (!ct.tracked) assumptions.push('the request was not tracked (notrack): its reply is traced as the first packet of a new connection (TCP conntrack would call a lone SYN-ACK invalid)');
  else steps.push({ kind: 'note', text: 'no conntrack entry (no netfilter rule set): the reply carries no ct mark' });
  return { tracked: true, attached: false, direction: 'original', state: 'new', mark: 0, status: 0n, dstManipDone: false, srcManipDone: false };
}

interface ReplySocket {
  readonly socket: LocalSocket;
  readonly mark: number;
  readonly text: string;
}

/**
 * Who sends the reply to a locally delivered packet and with which mark: the kernel for ICMP echo
 * (fwmark_reflect), the accepted TCP socket (tcp_fwmark_accept), or the receiving socket.
 */
// mirrors icmp_reply() (IP4_REPLY_MARK), net/ipv4/icmp.c, and inet_request_mark(), include/net/inet_sock.h
function replySocket(jc: JourneyContext, request: TraceRequest, p: NfPacketState): ReplySocket {
  const boundSrc = p.daddr;
  if (ECHO_REPLY[p.icmpType ?? -1] !== undefined && (p.l4proto === 1 || p.l4proto === 58)) {
    const name = jc.family === 4 ? 'net.ipv4.fwmark_reflect' : 'net.ipv6.fwmark_reflect';
    const reflect = jc.sysctls.netns(jc.family === 4 ? 'net/ipv4/fwmark_reflect' : 'net/ipv6/fwmark_reflect') !== 0;
    const mark = reflect ? p.mark : 0;
    return { socket: { uid: 0, boundSrc }, mark, text: `the kernel answers the echo request from ${formatIp(boundSrc)}, uid 0, mark ${hex(mark)} (${name}=${reflect ? 1 : 0})` };
  }
  const uid = request.uid ?? 0;
  const socket: LocalSocket = { uid, ...(request.gid !== undefined ? { gid: request.gid } : {}), boundSrc };
  const uidText = `uid ${uid} (the socket owner is not in the snapshot: ${request.uid !== undefined ? 'the request\'s uid' : 'assumed root'})`;
  if (p.l4proto === 6) {
    const accept = jc.sysctls.netns('net/ipv4/tcp_fwmark_accept') !== 0;
    const mark = accept ? p.mark : 0;
    return { socket, mark, text: `the accepted TCP socket replies from ${formatIp(boundSrc)}, ${uidText}, mark ${hex(mark)} (net.ipv4.tcp_fwmark_accept=${accept ? 1 : 0}; a listener's SO_MARK would override it)` };
  }
  return { socket, mark: 0, text: `the receiving socket replies from ${formatIp(boundSrc)} (bound, or IP_PKTINFO; an unbound UDP socket's lookup has no source), ${uidText}, mark 0x0` };
}

/** Traces the reply to one request outcome, or undefined when the request got nowhere. */
export function traceReply(jc: JourneyContext, request: TraceRequest, e: Ended): ReplyTrace | undefined {
  const kind = e.disposition.kind;
  if (kind !== 'delivered' && kind !== 'forwarded' && kind !== 'sent') return undefined;
  const p = e.flight.packet;
  const steps: JourneyStep[] = [];
  const assumptions: string[] = [];
  const ct = replyConntrack(e.flight, steps, assumptions);
  const icmpType = p.icmpType !== undefined ? (ECHO_REPLY[p.icmpType] ?? p.icmpType) : undefined;
  const base = {
    family: jc.family,
    dst: p.saddr,
    src: p.daddr,
    proto: p.l4proto,
    ...(p.dport !== undefined ? { sport: p.dport } : {}),
    ...(p.sport !== undefined ? { dport: p.sport } : {}),
    ...(icmpType !== undefined ? { icmpType } : {}),
    reply: false,
  } as const;
  const flightOf = (mark: number, socket?: LocalSocket): Flight => ({
    probability: 1,
    assumptions,
    steps,
    ct,
    packet: {
      family: jc.family,
      saddr: p.daddr,
      daddr: p.saddr,
      l4proto: p.l4proto,
      ...(base.sport !== undefined ? { sport: base.sport } : {}),
      ...(base.dport !== undefined ? { dport: base.dport } : {}),
      ...(icmpType !== undefined ? { icmpType } : {}),
      dscp: 0,
      mark,
      ...(socket ? { skuid: socket.uid, ...(socket.gid !== undefined ? { skgid: socket.gid } : {}) } : {}),
      ct: NO_CT,
    },
  });
  if (kind === 'delivered') {
    const s = replySocket(jc, request, p);
    steps.push({ kind: 'note', text: `reply: ${s.text}` });
    const replyRequest: TraceRequest = { ...base, fromLocal: true, uid: s.socket.uid, mark: s.mark };
    return { request: replyRequest, ended: traceLocal({ ...jc, socket: s.socket }, flightOf(s.mark, s.socket)) };
  }
  const dev = e.disposition.dev ?? '';
  const ctMark = ct.direction === 'reply' ? `; the entry's ct mark ${hex(ct.mark)} is visible to rules but is not copied to the packet without a restore` : '';
  steps.push({ kind: 'note', text: `reply: received on ${dev} from ${formatIp(p.daddr)} with mark 0x0${ctMark}` });
  const { socket: _none, ...received } = jc;
  return { request: { ...base, iif: dev, fromLocal: false }, ended: traceReceived(received, flightOf(0), dev) };
}
