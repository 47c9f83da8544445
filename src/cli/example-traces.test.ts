import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadSnapshot } from '../host/load-snapshot.ts';
import { parseIntent } from '../intent/parse-intent.ts';
import type { NetworkState } from '../model/network-state.ts';
import { appliedState } from '../plan/applied-state.ts';
import { compileIntent } from '../plan/compile-intent.ts';
import { renderTrace } from '../render/trace.ts';
import { EXAMPLE_TRACES, type ExampleTrace, renderCompactTrace, summarizeJourney, traceExampleCase } from './example-traces.ts';

const REPO = join(import.meta.dirname, '..', '..');

/** The example host after applying examples/pbr.yaml: pbr's nftables table has rules that match and rules that do not. */
async function exampleApplied(): Promise<NetworkState> {
  const { value: live } = await loadSnapshot(join(REPO, 'examples', 'two-uplinks.snapshot.json'));
  const intent = parseIntent(await readFile(join(REPO, 'examples', 'pbr.yaml'), 'utf8'), 'pbr.yaml').value;
  assert.ok(intent);
  return appliedState(live, compileIntent(intent, live).value);
}

/** Lines without their step numbers and indentation: the compact form numbers its steps afresh, in narrower columns. */
const unnumbered = (text: string): string[] => text.trimEnd().split('\n').map((l) => l.trimStart().replace(/^\d+ {2}\s*/, ''));

test('renderCompactTrace is pbr trace\'s text without the "— no match" rule lines', async () => {
  const state = await exampleApplied();
  for (const trace of EXAMPLE_TRACES) {
    const { before } = traceExampleCase(trace, state, state);
    const full = renderTrace(before, { json: false, tables: state.rtTables }).stdout;
    const compact = renderCompactTrace(before, state);
    const kept = unnumbered(full).filter((l) => !l.endsWith('— no match'));
    assert.deepEqual(unnumbered(compact.text), kept, trace.args);
    assert.ok(compact.left > 0, `${trace.args}: rules left out`);
    assert.equal(compact.left, full.split('\n').filter((l) => l.endsWith('— no match')).length, trace.args);
  }
});

test('summarizeJourney: the packet\'s fate, then its reply\'s; each outcome with its probability', async () => {
  const { value: live } = await loadSnapshot(join(REPO, 'examples', 'two-uplinks.snapshot.json'));
  const after = await exampleApplied();
  const office: ExampleTrace = { title: 'the office balance', args: '203.0.113.10 from 10.0.0.50 iif lan0 proto udp dport 9' };
  const rows: readonly (readonly [ExampleTrace | undefined, NetworkState, string])[] = [
    [EXAMPLE_TRACES[0], live, 'forwarded via wan1 gateway 192.0.2.1 from 10.0.0.50 to 203.0.113.10; reply forwarded via lan0 from 203.0.113.10 to 10.0.0.50'],
    // strict rp_filter on wan2 and the only route back by wan1
    [EXAMPLE_TRACES[3], live, 'dropped by rp_filter'],
    [office, after, '75%: forwarded via wan1 gateway 192.0.2.1 from 10.0.0.50 to 203.0.113.10; reply forwarded via lan0 from 203.0.113.10 to 10.0.0.50 | 25%: forwarded via wan2 gateway 198.51.100.1 from 10.0.0.50 to 203.0.113.10; reply forwarded via lan0 from 203.0.113.10 to 10.0.0.50'],
  ];
  for (const [trace, state, want] of rows) {
    assert.ok(trace);
    assert.equal(summarizeJourney(traceExampleCase(trace, state, state).before, state), want, trace.args);
  }
});
