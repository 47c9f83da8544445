// Runs one lab case with real packets and says what the kernel did, read off the far side and the ISPs' counters.
import { applyIptables, applyNft, readIspCounters, resetRouter, setSysctls, watchFlow, type IspCounters, type Lab } from './lab.ts';
import type { LabCase } from './cases.ts';
import { exchange, type ExchangeResult } from './traffic.ts';

export interface Observation {
  readonly ok: boolean;
  /** the uplink(s) the router's packets toward the far side left by */
  readonly uplink: 'wan1' | 'wan2' | 'both' | 'none';
  readonly seenPeer?: string;
  readonly spoofed?: boolean;
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
  const [isp1, isp2] = await Promise.all([readIspCounters(lab, 'isp1'), readIspCounters(lab, 'isp2')]);
  const out1 = isp1.fromRouter > 0;
  const out2 = isp2.fromRouter > 0;
  const observation: Observation = {
    ok: result.ok,
    uplink: out1 && out2 ? 'both' : out1 ? 'wan1' : out2 ? 'wan2' : 'none',
    ...(result.ok ? { seenPeer: result.seen.peer } : {}),
    ...(isp1.spoofed + isp2.spoofed > 0 ? { spoofed: true } : {}),
  };
  return { observation, result, isp1, isp2 };
}
