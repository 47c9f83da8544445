// Where the CLI writes (buffered stdout/stderr with per-stream colour) and reads (files, stdin).
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import pc from 'picocolors';
import type { Palette } from '../render/ip-printer.ts';

export interface OutputStream {
  /** appends text; it reaches the stream at the next flush */
  write(text: string): void;
  /** waits until everything written so far has been handed to the stream */
  flush(): Promise<void>;
  /** flushes only when enough has piled up (writes in big chunks, waits for a slow reader) */
  flushIfFull(): Promise<void>;
  /** colour is on: the stream is a TTY and NO_COLOR is not set */
  readonly color: boolean;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly readText: (path: string) => Promise<string>;
  readonly readStdin: () => Promise<string>;
  /** uid of this process (the uid `ip route get` reports when none is given) */
  readonly uid: number;
}

const FLUSH_THRESHOLD = 1 << 16;

class BufferedStream implements OutputStream {
  private chunks: string[] = [];
  private size = 0;

  constructor(
    private readonly stream: Writable,
    readonly color: boolean,
  ) {}

  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
  }

  flushIfFull(): Promise<void> {
    return this.size >= FLUSH_THRESHOLD ? this.flush() : Promise.resolve();
  }

  flush(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    const text = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    return new Promise((resolve) => {
      if (this.stream.write(text)) resolve();
      else this.stream.once('drain', () => resolve());
    });
  }
}

function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env['NO_COLOR'];
}

function ignoreBrokenPipe(stream: Writable): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

export function processIo(): CliIo {
  ignoreBrokenPipe(process.stdout);
  ignoreBrokenPipe(process.stderr);
  return {
    stdout: new BufferedStream(process.stdout, colorWanted(process.stdout, process.env)),
    stderr: new BufferedStream(process.stderr, colorWanted(process.stderr, process.env)),
    readText: (path) => readFile(path, 'utf8'),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    uid: process.getuid?.() ?? 0,
  };
}

/** The text palette for a stream: ip -c's colours when the stream wants colour, plain otherwise. */
export function paletteFor(stream: OutputStream): Palette {
  const c = pc.createColors(stream.color);
  return { ifname: c.cyan, inet: c.magenta, inet6: c.blue };
}

/** Styles for messages on stderr. */
export function messageStyle(stream: OutputStream): { error: (s: string) => string; hint: (s: string) => string } {
  const c = pc.createColors(stream.color);
  return { error: (s) => c.bold(c.red(s)), hint: c.dim };
}
