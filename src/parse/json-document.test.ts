import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { lineColumn, locateJsonError, parseJsonArrayDocument } from './json-document.ts';

test('element locations: line and column of each top-level element', () => {
  const sink = new DiagnosticSink('f');
  const doc = parseJsonArrayDocument('[\n  {"a": [1, {"b": "x,]"}]},\n  2,\n "s"\n]', sink);
  assert.deepEqual(doc?.locations, [
    { file: 'f', line: 2, column: 3 },
    { file: 'f', line: 3, column: 3 },
    { file: 'f', line: 4, column: 2 },
  ]);
  assert.deepEqual(sink.diagnostics, []);
});

test('one-line output (as ip -j prints it): columns tell elements apart', () => {
  const doc = parseJsonArrayDocument('[{"x":1},{"x":"\\"}"}]', new DiagnosticSink('f'));
  assert.deepEqual(doc?.locations.map((l) => l.column), [2, 10]);
});

const errors: readonly [string, string, number, number, RegExp][] = [
  ['trailing comma in object', '[{"a":1,}]', 1, 9, /property name/],
  ['unterminated array', '[{"a":1}', 1, 9, /',' or ']'/],
  ['missing colon', '[\n{"a" 1}]', 2, 6, /':'/],
  ['trailing comma in array', '[1,2,]', 1, 6, /expected a value/],
  ['bad literal', '[tru]', 1, 2, /expected a value/],
  ['two documents', '[]\n[]', 2, 1, /after the JSON value/],
  ['bad escape', '["\\x"]', 1, 3, /escape/],
];
for (const [name, text, line, column, message] of errors) {
  test(`syntax error located: ${name}`, () => {
    const sink = new DiagnosticSink('f');
    assert.equal(parseJsonArrayDocument(text, sink), undefined);
    const [d] = sink.diagnostics;
    assert.equal(d?.code, 'json-syntax');
    assert.equal(d?.severity, 'error');
    assert.deepEqual(d?.source, { file: 'f', line, column });
    assert.match(d?.message ?? '', message);
  });
}

test('not an array, and empty output', () => {
  const sink = new DiagnosticSink('f');
  assert.equal(parseJsonArrayDocument(' {"a":1}', sink), undefined);
  assert.equal(parseJsonArrayDocument('  \n', sink), undefined);
  assert.deepEqual(sink.diagnostics.map((d) => [d.code, d.source?.column]), [['json-not-array', 2], ['json-empty', 1]]);
});

test('locateJsonError and lineColumn agree with valid prefixes', () => {
  assert.equal(locateJsonError('[1, 2').message.includes("','"), true);
  assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
  assert.deepEqual(lineColumn('ab', 0), { line: 1, column: 1 });
});
