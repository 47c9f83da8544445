// `pbr example`: route get answers on the bundled two-uplink snapshot.
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine/engine.ts';
import { loadSnapshot } from '../host/load-snapshot.ts';
import { ExitCode } from '../model/errors.ts';
import { parseRouteGetArgs } from './route-get-args.ts';
import { renderRouteGet } from '../render/route-get.ts';

const SNAPSHOT = fileURLToPath(new URL('../../examples/two-uplinks.snapshot.json', import.meta.url));

const QUERIES: readonly string[] = ['198.51.100.7', '203.0.113.10 from 10.0.0.50 iif lan0', '2001:db8:ffff::1'];

export async function runExample(): Promise<number> {
  const { value: state } = await loadSnapshot(SNAPSHOT);
  const engine = createEngine(state);
  const out: string[] = [];
  for (const line of QUERIES) {
    const parsed = parseRouteGetArgs(line.split(' '));
    if (parsed.kind !== 'query') continue;
    const answer = engine.routeGet({ ...parsed.query, callerUid: 0 });
    const rendered = renderRouteGet(answer, {
      family: parsed.query.family,
      fibmatch: false,
      json: false,
      explain: true,
      tables: state.rtTables,
    });
    out.push(`$ pbr route get --explain ${line}\n${rendered.stdout}${rendered.stderr}\n`);
  }
  process.stdout.write(out.join(''));
  return ExitCode.ok;
}
