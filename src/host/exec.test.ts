import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode } from '../model/errors.ts';
import { netnsArgv, programExists, runProgram, SpawnError } from './exec.ts';

const node = process.execPath;

test('stdout, stderr, exit code and stdin of a program', async () => {
  const script = 'process.stdin.on("data", (d) => process.stdout.write(String(d).toUpperCase())); process.stderr.write("warn"); process.stdin.on("end", () => process.exit(3));';
  const result = await runProgram([node, '-e', script], { input: 'abc' });
  assert.deepEqual(result, { argv: [node, '-e', script], exitCode: 3, stdout: 'ABC', stderr: 'warn' });
});

test('large output is not truncated', async () => {
  const result = await runProgram([node, '-e', 'process.stdout.write("x".repeat(5_000_000))']);
  assert.equal(result.stdout.length, 5_000_000);
});

test('killed by a signal: 128 + signal number', async () => {
  const result = await runProgram([node, '-e', 'process.kill(process.pid, "SIGTERM")']);
  assert.equal(result.exitCode, 128 + 15);
});

test('a program that cannot start is a SpawnError (exit status 4)', async () => {
  await assert.rejects(runProgram(['pbrp-no-such-program']), (error: unknown) => {
    assert.ok(error instanceof SpawnError);
    assert.equal(error.errorCode, 'ENOENT');
    assert.equal(error.exitCode, ExitCode.system);
    assert.match(error.message, /^cannot run pbrp-no-such-program: /);
    return true;
  });
});

test('netns prefix and PATH lookup', async () => {
  assert.deepEqual(netnsArgv(['ip', 'link'], 'lab'), ['ip', 'netns', 'exec', 'lab', 'ip', 'link']);
  assert.deepEqual(netnsArgv(['ip', 'link']), ['ip', 'link']);
  assert.equal(await programExists('sh'), true);
  assert.equal(await programExists('pbrp-no-such-program'), false);
});
