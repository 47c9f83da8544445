// The three paths of spec §9.1: received for this host, received and forwarded, locally generated.
import type { IpAddress } from '../../addr/types.ts';
import type { NfHook } from '../../model/netfilter.ts';
import type { Flight, HookDevices, JourneyContext } from './flight.ts';
import { passHook, type Ended } from './hook-pass.ts';
import { routeInput, routeOutput, type Routed } from './route-steps.ts';
import { arrivalDisposition } from './why.ts';

function through(jc: JourneyContext, flights: readonly Flight[], hook: NfHook, devices: (f: Flight) => HookDevices, ended: Ended[], rerouteAllowed = false): Flight[] {
  const out: Flight[] = [];
  for (const f of flights) {
    const r = passHook(jc, f, hook, devices(f), rerouteAllowed);
    out.push(...r.flights);
    ended.push(...r.ended);
  }
  return out;
}

function settle(routed: readonly Routed[], ended: Ended[]): Flight[] {
  const flights: Flight[] = [];
  for (const r of routed) {
    if (r.kind === 'routed') flights.push(r.flight);
    else ended.push({ flight: r.flight, disposition: r.disposition });
  }
  return flights;
}

function routeDev(f: Flight): string {
  return f.route?.dev ?? '';
}

/** INPUT, then the local socket. */
function deliver(jc: JourneyContext, flights: readonly Flight[], iif: string, firstSaddr: IpAddress, ended: Ended[]): void {
  for (const h of through(jc, flights, 'input', () => ({ in: iif }), ended)) {
    ended.push({ flight: h, disposition: arrivalDisposition(jc, h, 'delivered', firstSaddr, iif) });
  }
}

/** A received packet: ingress, PREROUTING, input routing (with rp_filter), then INPUT or FORWARD and POSTROUTING. */
// mirrors ip_rcv() → ip_rcv_finish() → ip_local_deliver() / ip_forward() → ip_output(), net/ipv4/ip_input.c, ip_forward.c, ip_output.c
export function traceReceived(jc: JourneyContext, f0: Flight, iif: string): Ended[] {
  const ended: Ended[] = [];
  const firstSaddr = f0.packet.saddr;
  let flights = through(jc, [f0], 'ingress', () => ({ in: iif }), ended);
  flights = through(jc, flights, 'prerouting', () => ({ in: iif }), ended);
  for (const f of flights) {
    for (const g of settle(routeInput(jc, f, iif), ended)) {
      if (g.route?.local) {
        deliver(jc, [g], iif, firstSaddr, ended);
        continue;
      }
      let out = through(jc, [g], 'forward', (h) => ({ in: iif, out: routeDev(h) }), ended);
      // ip_output() passes skb->dev, still the input device of a forwarded packet, as POSTROUTING's indev
      out = through(jc, out, 'postrouting', (h) => ({ in: iif, out: routeDev(h) }), ended);
      out = through(jc, out, 'egress', (h) => ({ out: routeDev(h) }), ended);
      for (const h of out) ended.push({ flight: h, disposition: arrivalDisposition(jc, h, 'forwarded', firstSaddr) });
    }
  }
  return ended;
}

/**
 * A locally generated packet: output routing at the socket, OUTPUT (with reroutes), POSTROUTING; a packet
 * to a local address then comes back through lo (PREROUTING, INPUT) with its conntrack entry and route.
 */
// mirrors ip_queue_xmit() / ip_send_skb() → __ip_local_out() → ip_output(), net/ipv4/ip_output.c
export function traceLocal(jc: JourneyContext, f0: Flight): Ended[] {
  const ended: Ended[] = [];
  for (const g of settle(routeOutput(jc, f0), ended)) {
    const firstSaddr = g.packet.saddr;
    const outDev = routeDev(g);
    let out = through(jc, [g], 'output', () => ({ out: outDev }), ended, true);
    out = through(jc, out, 'postrouting', (h) => ({ out: routeDev(h) }), ended);
    const looped = out.filter((h) => h.route?.type === 'local');
    const leaving = through(jc, out.filter((h) => h.route?.type !== 'local'), 'egress', (h) => ({ out: routeDev(h) }), ended);
    for (const h of leaving) ended.push({ flight: h, disposition: arrivalDisposition(jc, h, 'sent', firstSaddr) });
    // loopback keeps the skb's route: no input routing, no rp_filter
    deliver(jc, through(jc, looped, 'prerouting', () => ({ in: 'lo' }), ended), 'lo', firstSaddr, ended);
  }
  return ended;
}
