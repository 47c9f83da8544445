// A CliIo that keeps everything in memory, for running the CLI in-process in tests.
import { readFile } from 'node:fs/promises';
import type { CliIo, OutputStream } from '../../src/cli/io.ts';

class MemoryStream implements OutputStream {
  readonly color = false;
  text = '';
  write(text: string): void {
    this.text += text;
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  flushIfFull(): Promise<void> {
    return Promise.resolve();
  }
}

export interface MemoryIo extends CliIo {
  readonly stdout: MemoryStream;
  readonly stderr: MemoryStream;
}

export function memoryIo(options: { stdin?: string; uid?: number } = {}): MemoryIo {
  return {
    stdout: new MemoryStream(),
    stderr: new MemoryStream(),
    readText: (path) => readFile(path, 'utf8'),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    uid: options.uid ?? 0,
  };
}
