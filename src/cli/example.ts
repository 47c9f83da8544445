// `pbr example`: the seed scenario — a router with two uplinks — answered offline from a recorded snapshot.
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine/engine.ts';
import { loadSnapshot } from '../host/load-snapshot.ts';
import { ExitCode } from '../model/errors.ts';
import { renderRouteGet } from '../render/route-get.ts';
import { renderRuleShow } from '../render/rule-show.ts';
import type { CliIo } from './io.ts';
import { parseRouteGetArgs } from './route-get-args.ts';

const SNAPSHOT = fileURLToPath(new URL('../../examples/two-uplinks.snapshot.json', import.meta.url));

interface ExampleCase {
  readonly title: string;
  readonly query: string;
  readonly explain: boolean;
}

const CASES: readonly ExampleCase[] = [
  { title: 'Ordinary traffic from the router leaves by the first uplink (table main).', query: '203.0.113.10', explain: false },
  { title: 'ssh from the router is steered to the second uplink by "ipproto tcp dport 22".', query: '203.0.113.10 ipproto tcp dport 22', explain: true },
  { title: 'Traffic marked 0x2 by netfilter takes the second uplink (rule 1100).', query: '203.0.113.10 mark 0x2', explain: false },
  { title: 'http forwarded from the LAN goes out by the first uplink.', query: '203.0.113.10 from 10.0.0.50 iif lan0 ipproto tcp dport 80', explain: false },
  { title: 'A reply from the address of the second uplink leaves by it (rule 1001).', query: '203.0.113.10 from 198.51.100.2', explain: false },
  { title: 'The same for IPv6.', query: '2001:db8:ff::10 from 2001:db8:2::2', explain: false },
  {
    title: 'A reply for a LAN host arriving on wan2: strict rp_filter there drops it as a martian, silently.',
    query: '10.0.0.50 from 203.0.113.10 iif wan2',
    explain: true,
  },
];

export async function runExample(io: CliIo): Promise<number> {
  const { value: state } = await loadSnapshot(SNAPSHOT);
  const engine = createEngine(state);
  const out: string[] = [
    'pbr example: a router with a LAN (lan0 10.0.0.1/24) and two uplinks, wan1 (ISP 1, 192.0.2.2/24)',
    'and wan2 (ISP 2, 198.51.100.2/24), recorded from a real namespace into',
    `${SNAPSHOT}.`,
    '',
    '$ pbr rule show',
    renderRuleShow(state, { json: false }).trimEnd(),
    '',
  ];
  for (const c of CASES) {
    const parsed = parseRouteGetArgs(c.query.split(' '));
    if (parsed.kind !== 'query') throw new Error(`example query "${c.query}" does not parse`);
    const answer = engine.routeGet({ ...parsed.query, callerUid: 0 }, { explain: c.explain });
    const rendered = renderRouteGet(answer, { family: parsed.query.family, fibmatch: false, json: false, explain: c.explain, tables: state.rtTables });
    out.push(`# ${c.title}`, `$ pbr route get${c.explain ? ' --explain' : ''} ${c.query}`, `${rendered.stderr}${rendered.stdout}`.trimEnd(), '');
  }
  out.push('Try it on your own host: pbr snapshot -o host.json && pbr route get --snapshot host.json --explain ADDRESS');
  io.stdout.write(`${out.join('\n')}\n`);
  return ExitCode.ok;
}
