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

test('text functions run only when the sink records; a disabled sink records nothing', () => {
  let built = 0;
  const text = () => {
    built++;
    return 'costly';
  };
  const off = new ExplainSink(false);
  off.add('rule', text);
  off.nest(() => off.add('table', text));
  assert.deepEqual([off.steps, built], [[], 0]);
  const on = new ExplainSink();
  on.add('rule', text);
  assert.deepEqual([on.steps.map((s) => s.text), built], [['costly'], 1]);
});
