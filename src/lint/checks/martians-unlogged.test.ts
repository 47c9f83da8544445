import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseRouter } from '../lint-test-support.ts';
import { check } from './martians-unlogged.ts';

/** The base router with the given sysctls ("all.rp_filter": 1, "wan2.log_martians": 1, …) below net.ipv4.conf. */
function run(sysctls: Record<string, number>, opts: { downDevice?: boolean } = {}) {
  const b = baseRouter();
  if (opts.downDevice) b.device('wan3', { up: false });
  for (const dev of ['all', 'default', 'lo', 'lan0', 'wan1', 'wan2']) b.sysctl(`net.ipv4.conf.${dev}.rp_filter`, 0).sysctl(`net.ipv4.conf.${dev}.log_martians`, 0);
  for (const [key, value] of Object.entries(sysctls)) b.sysctl(`net.ipv4.conf.${key}`, value);
  return check.run({ state: b.build() });
}

const devs = (findings: ReturnType<typeof check.run>): string[] => findings.flatMap((f) => f.objects);

test('martians-unlogged: which interfaces drop silently', () => {
  const cases: { name: string; sysctls: Record<string, number>; want: string[] }[] = [
    { name: 'rp_filter off everywhere', sysctls: {}, want: [] },
    { name: 'strict on one device', sysctls: { 'wan2.rp_filter': 1 }, want: ['dev wan2'] },
    { name: 'strict on one device, logged there', sysctls: { 'wan2.rp_filter': 1, 'wan2.log_martians': 1 }, want: [] },
    { name: 'strict on one device, logged on another only', sysctls: { 'wan2.rp_filter': 1, 'wan1.log_martians': 1 }, want: ['dev wan2'] },
    { name: 'all.rp_filter reaches every device (max)', sysctls: { 'all.rp_filter': 2 }, want: ['dev lan0', 'dev wan1', 'dev wan2'] },
    { name: 'all.log_martians logs every device (or)', sysctls: { 'all.rp_filter': 2, 'all.log_martians': 1 }, want: [] },
    { name: 'only lo filters: loopback is left out', sysctls: { 'lo.rp_filter': 1 }, want: [] },
  ];
  for (const c of cases) assert.deepEqual(devs(run(c.sysctls)), c.want, c.name);
});

test('martians-unlogged: a device that is down is left out', () => {
  assert.deepEqual(devs(run({ 'default.rp_filter': 1, 'all.rp_filter': 0 }, { downDevice: true })), []);
  assert.deepEqual(devs(run({ 'all.rp_filter': 1 }, { downDevice: true })), ['dev lan0', 'dev wan1', 'dev wan2']);
});

test('martians-unlogged: one info finding naming the modes and the sysctl fix', () => {
  const [f, ...rest] = run({ 'wan1.rp_filter': 2, 'wan2.rp_filter': 1 });
  assert.equal(rest.length, 0);
  assert.ok(f);
  assert.equal(f.severity, 'info');
  assert.equal(check.severity, 'info');
  assert.match(f.message, /rp_filter is on for wan1 \(loose\), wan2 \(strict\) but log_martians is off/);
  assert.match(f.hint, /`sysctl -w net\.ipv4\.conf\.all\.log_martians=1`/);
});
