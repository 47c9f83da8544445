import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp } from '../../addr/address.ts';
import { parseKernelLog } from './parse-kernel-log.ts';

const SOURCE = 'IPv4: martian source 10.0.0.2 from 203.0.113.10, on dev wan2';
const HEADER = 'll header: 00000000: 1a ca e8 9f 57 b4 a6 e7 7b 75 04 cb 08 00';

const formats: readonly { name: string; prefix: string; uptime?: number }[] = [
  { name: 'dmesg', prefix: '[13798.516005] ', uptime: 13798.516005 },
  { name: 'dmesg, padded uptime', prefix: '[   12.000001] ', uptime: 12.000001 },
  { name: 'dmesg -T', prefix: '[Thu Nov 26 21:22:11 2026] ' },
  { name: 'journalctl -k', prefix: 'Nov 26 21:22:11 router kernel: ' },
  { name: 'journalctl -k -o short-iso', prefix: '2026-11-26T21:22:11+0000 router kernel: ' },
  { name: 'dmesg -x', prefix: 'kern  :warn  : [13798.516005] ', uptime: 13798.516005 },
  { name: 'bare', prefix: '' },
];

for (const f of formats) {
  test(`parseKernelLog: martian source and its ll header, ${f.name}`, () => {
    const parsed = parseKernelLog(`${f.prefix}${SOURCE}\n${f.prefix}${HEADER}\n`);
    assert.deepEqual(parsed.unrecognized, []);
    assert.equal(parsed.entries.length, 1);
    const [e] = parsed.entries;
    assert.deepEqual(
      { kind: e?.kind, line: e?.line, dst: e && formatIp(e.dst), src: e && formatIp(e.src), dev: e?.dev, uptime: e?.uptime, ethernet: e?.linkHeader?.ethernet },
      { kind: 'source', line: 1, dst: '10.0.0.2', src: '203.0.113.10', dev: 'wan2', uptime: f.uptime, ethernet: { dstMac: '1a:ca:e8:9f:57:b4', srcMac: 'a6:e7:7b:75:04:cb', etherType: 0x0800 } },
    );
  });
}

test('parseKernelLog: martian destination (no ll header), CRLF, blank lines', () => {
  const parsed = parseKernelLog('\r\n[ 5.1] IPv4: martian destination 127.0.0.1 from 10.0.0.2, dev a0\r\n\r\n');
  assert.deepEqual(parsed.unrecognized, []);
  assert.deepEqual(parsed.entries.map((e) => [e.kind, e.line, formatIp(e.dst), formatIp(e.src), e.dev, e.linkHeader]), [['destination', 2, '127.0.0.1', '10.0.0.2', 'a0', undefined]]);
});

test('parseKernelLog: other lines are counted with their line numbers, an orphan ll header too', () => {
  const text = [
    '[1.0] x_tables: ip_tables: CT target: only valid in raw table, not mangle',
    `[2.0] ${HEADER}`,
    `[3.0] ${SOURCE}`,
    '[3.1] net_ratelimit: 5 callbacks suppressed',
    `[3.2] ${HEADER}`,
    '[4.0] IPv4: martian source 10.0.0.2 from 2001:db8::1, on dev wan2',
    '[5.0] IPv4: martian destination 0.0.0.0 from 10.0.0.2, dev lan0',
    `[5.1] ${HEADER}`,
  ].join('\n');
  const parsed = parseKernelLog(text);
  assert.deepEqual(parsed.entries.map((e) => [e.line, e.kind, e.linkHeader !== undefined]), [[3, 'source', false], [7, 'destination', false]]);
  assert.deepEqual(parsed.unrecognized.map((u) => [u.line, u.why]), [
    [1, 'not a martian log line'],
    [2, 'an ll header line without a martian source line before it'],
    [4, 'not a martian log line'],
    [5, 'an ll header line without a martian source line before it'],
    [6, 'the addresses are not IPv4 addresses'],
    [8, 'an ll header line without a martian source line before it'],
  ]);
});

test('parseKernelLog: a link header longer than 16 bytes continues on the next dump line', () => {
  const parsed = parseKernelLog(
    `${SOURCE}\nll header: 00000000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\nll header: 00000010: 10 11\n`,
  );
  assert.deepEqual(parsed.unrecognized, []);
  assert.equal(parsed.entries[0]?.linkHeader?.bytes.length, 18);
  assert.equal(parsed.entries[0]?.linkHeader?.ethernet, undefined);
});
