import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExplainSink } from './explain.ts';

test('explain steps nest for inner lookups and keep their order', () => {
  const e = new ExplainSink();
  e.add('rule', 'a');
  const inner = e.nest(() => {
    e.add('table', 'b');
    e.nest(() => e.add('route', 'c'));
    return 42;
  });
  e.add('result', 'd');
  assert.equal(inner, 42);
  assert.deepEqual(
    e.steps.map((s) => [s.kind, s.text, s.depth]),
    [['rule', 'a', 0], ['table', 'b', 1], ['route', 'c', 2], ['result', 'd', 0]],
  );
});
