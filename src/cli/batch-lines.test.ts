import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBatchCommands, type BatchItem } from './batch-lines.ts';

const rows: readonly (readonly [string, string, readonly BatchItem[]])[] = [
  ['empty file', '', []],
  ['blank lines and comments are skipped', '\n   \n# comment\n\t# indented comment\n', []],
  ['line numbers count every physical line', 'route get 1.2.3.4\n\nroute get 5.6.7.8\n', [
    { kind: 'command', line: 1, args: ['route', 'get', '1.2.3.4'] },
    { kind: 'command', line: 3, args: ['route', 'get', '5.6.7.8'] },
  ]],
  ['a trailing comment is cut off', 'route get 1.2.3.4 # why\n', [{ kind: 'command', line: 1, args: ['route', 'get', '1.2.3.4'] }]],
  ['# inside a word also starts a comment', 'route get 1.2.3.4#x\n', [{ kind: 'command', line: 1, args: ['route', 'get', '1.2.3.4'] }]],
  ['the last line needs no newline', 'route get 1.2.3.4', [{ kind: 'command', line: 1, args: ['route', 'get', '1.2.3.4'] }]],
  ['tabs and CR separate words', 'route\tget 1.2.3.4\r\n', [{ kind: 'command', line: 1, args: ['route', 'get', '1.2.3.4'] }]],
  ['backslash-newline continues; the line is the last one read', 'route get 1.2.3.4 \\\n from 10.0.0.1\nroute get 9.9.9.9\n', [
    { kind: 'command', line: 2, args: ['route', 'get', '1.2.3.4', 'from', '10.0.0.1'] },
    { kind: 'command', line: 3, args: ['route', 'get', '9.9.9.9'] },
  ]],
  ['a comment before the backslash ends the command', 'route get 1.2.3.4 # c \\\nfrom 10.0.0.1\n', [
    { kind: 'command', line: 1, args: ['route', 'get', '1.2.3.4'] },
    { kind: 'command', line: 2, args: ['from', '10.0.0.1'] },
  ]],
  ['missing continuation line', 'route get 1.2.3.4 \\\n', [{ kind: 'error', line: 1, message: 'Missing continuation line' }]],
  ['quoted words', `route get "1.2.3.4" iif 'a b'\n`, [{ kind: 'command', line: 1, args: ['route', 'get', '1.2.3.4', 'iif', 'a b'] }]],
  ['text right after a closing quote is a new word', 'a "b"c\n', [{ kind: 'command', line: 1, args: ['a', 'b', 'c'] }]],
  ['unterminated quote', 'route get "1.2.3.4\nroute get 5.6.7.8\n', [
    { kind: 'error', line: 1, message: 'Unterminated quoted string' },
    { kind: 'command', line: 2, args: ['route', 'get', '5.6.7.8'] },
  ]],
  ['too many words', `${'x '.repeat(600)}\n`, [{ kind: 'error', line: 1, message: 'Too many arguments to command' }]],
];

test('batch files split as ip -batch reads them (getcmdline + makeargs)', () => {
  for (const [name, text, expected] of rows) assert.deepEqual([...readBatchCommands(text)], expected, name);
});
