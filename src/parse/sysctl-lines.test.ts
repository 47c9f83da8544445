import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSysctlLines } from './sysctl-lines.ts';

const forms: readonly [string, string, string, string][] = [
  ['snapshot form', 'net/ipv4/conf/all/rp_filter=1', 'net/ipv4/conf/all/rp_filter', '1'],
  ['snapshot form with blanks', ' net/ipv4/ip_forward = 0 ', 'net/ipv4/ip_forward', '0'],
  ['grep -r form', '/proc/sys/net/ipv4/conf/eth0.5/rp_filter:2', 'net/ipv4/conf/eth0.5/rp_filter', '2'],
  ['grep value with a colon and a tab', '/proc/sys/net/ipv4/ip_local_port_range:32768\t60999', 'net/ipv4/ip_local_port_range', '32768\t60999'],
  ['sysctl -a form, "/" in a device name', 'net.ipv4.conf.eth0/5.rp_filter = 1', 'net/ipv4/conf/eth0.5/rp_filter', '1'],
  ['value with "="', 'net/core/x=a=b', 'net/core/x', 'a=b'],
];
for (const [name, line, path, value] of forms) {
  test(`sysctl line: ${name}`, () => {
    const parsed = parseSysctlLines(line);
    assert.deepEqual([...parsed.value], [[path, value]]);
    assert.deepEqual(parsed.diagnostics, []);
  });
}

test('comments and blank lines are skipped; bad lines are warnings with line numbers', () => {
  const parsed = parseSysctlLines('# c\n\nno equals sign\nnet/ipv4/ip_forward=1\n../etc/passwd=1\n=3\n', 'x');
  assert.deepEqual([...parsed.value], [['net/ipv4/ip_forward', '1']]);
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.source?.line]), [['warning', 3], ['warning', 5], ['warning', 6]]);
});

test('a file of several lines gives one value joined with newlines', () => {
  const parsed = parseSysctlLines('/proc/sys/net/x/y:a\n/proc/sys/net/x/y:b');
  assert.equal(parsed.value.get('net/x/y'), 'a\nb');
});
