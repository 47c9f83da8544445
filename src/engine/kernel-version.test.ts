import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelAtLeast, parseKernelRelease } from './kernel-version.ts';

test('kernel releases and version gates', () => {
  const v = parseKernelRelease('6.18.44-fc-v657');
  assert.deepEqual(v, { major: 6, minor: 18, patch: 44 });
  assert.equal(kernelAtLeast(v, 6, 16), true);
  assert.equal(kernelAtLeast(parseKernelRelease('6.12.57+deb13-amd64'), 6, 13), false);
  assert.equal(kernelAtLeast(parseKernelRelease('5.15'), 6, 0), false);
  // an unreadable release behaves like the newest kernel
  assert.equal(kernelAtLeast(parseKernelRelease(''), 6, 16), true);
});
