import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSnapshot } from '../host/load-snapshot.ts';
import type { JourneyResult, TraceRequest } from '../model/journey.ts';
import type { NetworkState } from '../model/network-state.ts';
import { BUILTIN_SERVICES, indexServices, lookupServicePort } from '../model/services.ts';
import { memoryIo, type MemoryIo } from '../../test/cli/memory-io.ts';
import { UnknownDeviceError } from './devices.ts';
import { runCli } from './main.ts';
import { loadServiceIndex, runTrace, type TraceOptions } from './trace-command.ts';

const POLICY = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'render', 'policy', 'snapshot.json');
// a two-uplink router with an nftables rule set, recorded by scripts/record-trace-fixture.ts
const ROUTER = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'trace', 'router.snapshot.json');

/** A journey that records what it was asked and delivers the packet. */
function fakeJourney(seen: TraceRequest[]) {
  return (_state: NetworkState, request: TraceRequest): JourneyResult => {
    seen.push(request);
    return {
      request,
      outcomes: [{
        probability: 1, assumptions: [], steps: [{ kind: 'hook', hook: request.fromLocal ? 'output' : 'prerouting' }],
        packet: {
          family: request.family, saddr: request.src ?? request.dst, daddr: request.dst, l4proto: request.proto, dscp: 0, mark: 0,
          ct: { state: 'new', direction: 'original', mark: 0, status: 0n },
        },
        disposition: { kind: 'delivered', dst: request.dst, why: 'local address' },
      }],
      diagnostics: [{ severity: 'warning', code: 'x', message: 'a note' }],
    };
  };
}

async function run(args: readonly string[], opts: Partial<TraceOptions> = {}): Promise<{ io: MemoryIo; status: number; seen: TraceRequest[]; loads: number }> {
  const io = memoryIo();
  const seen: TraceRequest[] = [];
  let loads = 0;
  const status = await runTrace(args, { json: false, reply: false, fromLocal: false, ...opts }, {
    io,
    loadState: async () => {
      loads++;
      return (await loadSnapshot(POLICY)).value;
    },
    loadServices: () => Promise.resolve(indexServices(BUILTIN_SERVICES)),
    traceJourney: fakeJourney(seen),
  });
  return { io, status, seen, loads };
}

test('runTrace: devices resolved against the snapshot, text on stdout, diagnostics on stderr, exit 0', async () => {
  const r = await run(['198.51.100.7', 'from', '10.0.0.5', 'iif', 'if2', 'dport', 'ssh']);
  assert.equal(r.status, 0);
  assert.equal(r.seen[0]!.iif, 'a0');
  assert.equal(r.seen[0]!.dport, 22);
  assert.equal(r.io.stdout.text, 'trace 198.51.100.7 from 10.0.0.5 iif a0 proto tcp dport 22\n1  hook prerouting\nresult: delivered locally to 198.51.100.7\nwhy: local address\n');
  assert.equal(r.io.stderr.text, 'pbr: warning: a note [x]\n');
});

test('runTrace: JSON on stdout only', async () => {
  const r = await run(['198.51.100.7'], { json: true, fromLocal: true, uid: '1000' });
  assert.equal(r.status, 0);
  assert.equal(r.io.stderr.text, '');
  const doc = JSON.parse(r.io.stdout.text) as { request: unknown; diagnostics: unknown[] };
  assert.deepEqual(doc.request, { family: 4, dst: '198.51.100.7', fromLocal: true, uid: 1000, proto: 1, protoName: 'icmp', icmpType: 8, reply: false });
  assert.equal(doc.diagnostics.length, 1);
});

test('runTrace: usage errors before the state is loaded; unknown devices as route get reports them', async () => {
  await assert.rejects(run(['198.51.100.7']), /where does the packet come from/);
  const help = await run(['help']);
  assert.equal(help.status, 0);
  assert.match(help.io.stdout.text, /^Usage: pbr trace/);
  assert.equal(help.loads, 0);
  await assert.rejects(run(['198.51.100.7', 'from', '10.0.0.5', 'iif', 'eth9']), (err: unknown) => err instanceof UnknownDeviceError && err.message === 'Cannot find device "eth9"' && err.hint === 'devices in the snapshot: lo, a0, b0, c0');
  await assert.rejects(run(['198.51.100.7', 'oif', 'if99'], { fromLocal: true }), /^UsageError: no device has the index of oif if99$/);
});

test('runTrace: a request the journey refuses is a usage error', async () => {
  const io = memoryIo();
  const refuse = (_state: NetworkState, request: TraceRequest): JourneyResult => ({
    request, outcomes: [], diagnostics: [{ severity: 'error', code: 'trace-x', message: 'cannot trace that', hint: 'do this' }],
  });
  const run = runTrace(['192.0.2.1'], { json: false, reply: false, fromLocal: true }, {
    io, loadState: async () => (await loadSnapshot(POLICY)).value, loadServices: () => Promise.resolve(indexServices(BUILTIN_SERVICES)), traceJourney: refuse,
  });
  await assert.rejects(run, (err: unknown) => err instanceof Error && err.message === 'cannot trace that' && (err as { hint?: string }).hint === 'do this');
  assert.equal(io.stdout.text, '');
});

test('loadServiceIndex: the file when readable, else the built-in table', async () => {
  const fromFile = await loadServiceIndex(() => Promise.resolve('gopher 70/tcp\n'));
  assert.equal(lookupServicePort(fromFile, 'gopher', 'tcp'), 70);
  assert.equal(lookupServicePort(fromFile, 'ssh', 'tcp'), undefined);
  const missing = await loadServiceIndex(() => Promise.reject(new Error('ENOENT')));
  assert.equal(lookupServicePort(missing, 'ssh', 'tcp'), 22);
  const empty = await loadServiceIndex(() => Promise.resolve('# nothing\n'));
  assert.equal(lookupServicePort(empty, 'https', 'tcp'), 443);
});

async function cli(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const status = await runCli(['trace', '--snapshot', ROUTER, ...args], io);
  return { status, stdout: io.stdout.text, stderr: io.stderr.text };
}

interface DocOutcome {
  probability: number;
  assumptions: string[];
  steps: { kind: string; rule?: { handle?: number }; markAfter?: string; phase?: string; rulePref?: number; table?: string }[];
  disposition: { kind: string; dev?: string; src?: string; dst?: string; by?: string };
  reply?: { outcomes: DocOutcome[] };
}

async function cliJson(args: readonly string[]): Promise<DocOutcome[]> {
  const r = await cli(['-j', ...args]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return (JSON.parse(r.stdout) as { outcomes: DocOutcome[] }).outcomes;
}

const FROM_LAN = ['203.0.113.10', 'from', '10.0.0.50', 'iif', 'lan0'];

test('pbr trace on a recorded nftables router: ssh marked in prerouting leaves by wan2, masqueraded', async () => {
  const r = await cli([...FROM_LAN, 'dport', 'ssh']);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'trace 203.0.113.10 from 10.0.0.50 iif lan0 proto tcp dport 22');
  assert.ok(lines.includes(' 5      rule handle 5: iifname "lan0" tcp dport 22 meta mark set 0x00000002 comment "ssh via wan2"'), r.stdout);
  assert.ok(lines.includes('            matched: mark 0x0 → 0x2'), r.stdout);
  assert.ok(lines.some((l) => l.startsWith('10  route input (mark 0x2): rule 1100, table 102 → 203.0.113.10 via 198.51.100.1 dev wan2')), r.stdout);
  assert.ok(lines.includes('result: forwarded via wan2 gateway 198.51.100.1 from 198.51.100.2 to 203.0.113.10'), r.stdout);
  assert.match(r.stdout, /\nwhy: [^\n]*ip rule 1100[^\n]*\n$/);

  const [o, ...more] = await cliJson([...FROM_LAN, 'dport', '22']);
  assert.equal(more.length, 0);
  assert.deepEqual(o!.disposition, { ...o!.disposition, kind: 'forwarded', dev: 'wan2', src: '198.51.100.2', dst: '203.0.113.10' });
  const marked = o!.steps.find((s) => s.kind === 'rule' && s.rule?.handle === 5);
  assert.equal(marked?.markAfter, '0x2');
  const route = o!.steps.find((s) => s.kind === 'route');
  assert.deepEqual([route?.phase, route?.rulePref, route?.table], ['input', 1100, '102']);
});

test('pbr trace --reply: the reply is un-NATed and routed back to the LAN, or dropped by strict rp_filter on wan2', async () => {
  const [http] = await cliJson(['--reply', ...FROM_LAN, 'sport', '40000', 'dport', 'http']);
  assert.equal(http!.disposition.dev, 'wan1');
  const back = http!.reply?.outcomes ?? [];
  assert.equal(back.length, 1);
  assert.deepEqual(back[0]!.disposition, { ...back[0]!.disposition, kind: 'forwarded', dev: 'lan0', dst: '10.0.0.50' });
  // the ssh reply gets its mark back from the ct mark, but rp_filter's reverse lookup ignores marks (src_valid_mark 0)
  const [ssh] = await cliJson(['--reply', ...FROM_LAN, 'sport', '40000', 'dport', 'ssh']);
  assert.deepEqual(ssh!.reply?.outcomes.map((o) => [o.disposition.kind, o.disposition.dev]), [['dropped', 'wan2']]);
  const text = (await cli(['--reply', ...FROM_LAN, 'sport', '40000', 'dport', 'ssh'])).stdout;
  assert.match(text, /\n {4}reply 198\.51\.100\.2 from 203\.0\.113\.10 iif wan2 proto tcp sport 22 dport 40000\n/);
  assert.match(text, /\n {4} 5 {6}rule handle 4: ct state established,related meta mark set ct mark\n {16}matched: mark 0x0 → 0x2\n/);
  assert.match(text, /\n {4}result: dropped by rp_filter\n {4}why: dropped by rp_filter on wan2[^\n]*\n$/);
});

test('pbr trace: a random split gives two outcomes with probabilities; an unmodelled rule two possible ones', async () => {
  const split = await cliJson([...FROM_LAN, 'proto', 'udp', 'dport', '5000']);
  assert.deepEqual(split.map((o) => [o.probability, o.assumptions.length, o.disposition.dev]).sort(), [[0.5, 0, 'wan1'], [0.5, 0, 'wan2']]);
  const unknown = await cliJson([...FROM_LAN, 'dport', '8080']);
  assert.equal(unknown.length, 2);
  for (const o of unknown) assert.match(o.assumptions.join('\n'), /meta cpu 0/);
  assert.deepEqual(unknown.map((o) => o.disposition.dev).sort(), ['wan1', 'wan2']);
  const text = (await cli([...FROM_LAN, 'dport', '8080'])).stdout;
  assert.match(text, /\noutcome 1 of 2: possible, assuming:\n {2}- [^\n]*meta cpu 0/);
  assert.match((await cli([...FROM_LAN, 'proto', 'udp', 'dport', '5000'])).stdout, /\noutcome 2 of 2: probability 50%\n1–5 {2}as in outcome 1\n/);
});

test('pbr trace: dropped and rejected packets still exit 0', async () => {
  const dropped = await cli([...FROM_LAN, 'dport', 'smtp']);
  assert.equal(dropped.status, 0);
  assert.match(dropped.stdout, /\nresult: dropped by rule "iifname "lan0" tcp dport 25 drop"[^\n]*\nwhy: /);
  const [rejected] = await cliJson([...FROM_LAN, 'dport', 'telnet']);
  assert.equal(rejected!.disposition.kind, 'rejected');
});

test('pbr trace --from-local: the output route, the socket owner in the request', async () => {
  const r = await cli(['--from-local', '--uid', '1000', '203.0.113.10', 'dport', 'https']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^trace --from-local 203\.0\.113\.10 uid 1000 proto tcp dport 443\n/);
  assert.match(r.stdout, /\nresult: sent via wan1 gateway 192\.0\.2\.1 from 192\.0\.2\.2 to 203\.0\.113\.10\n/);
});

test('pbr trace: usage errors exit 2 with a hint, a bad snapshot 3, help 0', async () => {
  const rows: readonly (readonly [readonly string[], number, RegExp, RegExp])[] = [
    [['203.0.113.10', 'from', '10.0.0.50'], 2, /^$/, /^pbr: where does the packet come from\? [^\n]*\nhint: e\.g\. pbr trace /],
    [['203.0.113.10', 'from', '10.0.0.50', 'iif', 'eth9'], 2, /^$/, /^Cannot find device "eth9"\nhint: devices in the snapshot: lo, lan0, wan1, wan2\n$/],
    [['--uid', '5', ...FROM_LAN], 2, /^$/, /^pbr: uid describes the sending socket of a locally generated packet\nhint: /],
    [[...FROM_LAN, 'dport', 'nosuchservice'], 2, /^$/, /^pbr: unknown service "nosuchservice" for dport\nhint: /],
    [['--explain', ...FROM_LAN], 2, /^$/, /^pbr: option --explain does not apply to pbr trace\n/],
    [['--help'], 0, /^Usage: pbr trace [^\n]*\n[\s\S]*\nExamples:\n {2}pbr trace /, /^$/],
    [[...FROM_LAN, 'help'], 0, /^Usage: pbr trace/, /^$/],
  ];
  for (const [args, status, stdout, stderr] of rows) {
    const r = await cli(args);
    assert.equal(r.status, status, args.join(' '));
    assert.match(r.stdout, stdout, `${args.join(' ')} (stdout)`);
    assert.match(r.stderr, stderr, `${args.join(' ')} (stderr)`);
  }
  const io = memoryIo();
  assert.equal(await runCli(['trace', '--snapshot', '/nonexistent.json', '--from-local', '192.0.2.1'], io), 3);
  assert.match(io.stderr.text, /^pbr: cannot read snapshot \/nonexistent\.json: no such file\n/);
  const misplaced = memoryIo();
  assert.equal(await runCli(['route', 'get', '--reply', '192.0.2.1'], misplaced), 2);
  assert.match(misplaced.stderr.text, /^pbr: option --reply does not apply to pbr route get\n/);
});
