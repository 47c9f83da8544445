// Runs one lab case with real packets and says what the kernel did, read off the far side and the ISPs' counters.
import { applyIptables, applyNft, readCtMark, readIspCounters, resetRouter, setSysctls, watchFlow, type IspCounters, type Lab } from './lab.ts';
import type { LabCase } from './cases.ts';
import { exchange, type ExchangeResult } from './traffic.ts';

export type UplinkSet = 'wan1' | 'wan2' | 'both' | 'none';

function uplinkSet(wan1: number, wan2: number): UplinkSet {
  return wan1 > 0 ? (wan2 > 0 ? 'both' : 'wan1') : wan2 > 0 ? 'wan2' : 'none';
}

export interface Observation {
  readonly ok: boolean;
  /** the uplink(s) the router's packets toward the far side left by */
  readonly uplink: UplinkSet;
  /** the uplink(s) the far side's packets toward the router came in by */
  readonly returnUplink: UplinkSet;
  readonly seenPeer?: string;
  readonly spoofed?: boolean;
  /** ct mark of the connection's conntrack entry on the router */
  readonly ctMark?: number;
}

export interface ObservationDetail {
  readonly observation: Observation;
  readonly result: ExchangeResult;
  readonly isp1: IspCounters;
  readonly isp2: IspCounters;
}

/** Puts the case's firewall and sysctls on the router, runs its exchange, and reads the counters. */
export async function observeCase(lab: Lab, labCase: LabCase): Promise<ObservationDetail> {
  await resetRouter(lab);
  if (labCase.flavour === 'nft') await applyNft(lab, labCase.firewall);
  else await applyIptables(lab, labCase.firewall);
  if (labCase.sysctls) await setSysctls(lab, 'router', labCase.sysctls);
  await watchFlow(lab, labCase.traffic.sport);
  const result = await exchange(lab, labCase.from, labCase.traffic);
  const [isp1, isp2, ctMark] = await Promise.all([readIspCounters(lab, 'isp1'), readIspCounters(lab, 'isp2'), readCtMark(lab, labCase.traffic.sport)]);
  const observation: Observation = {
    ok: result.ok,
    uplink: uplinkSet(isp1.fromRouter, isp2.fromRouter),
    returnUplink: uplinkSet(isp1.toRouter, isp2.toRouter),
    ...(result.ok && result.seen ? { seenPeer: result.seen.peer } : {}),
    ...(isp1.spoofed + isp2.spoofed > 0 ? { spoofed: true } : {}),
    ...(ctMark === undefined ? {} : { ctMark }),
  };
  return { observation, result, isp1, isp2 };
}
