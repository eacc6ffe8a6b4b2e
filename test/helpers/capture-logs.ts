import * as fs from 'node:fs';
import { captureOutput } from './log-capture';

// Jest setup file: each test file's writes are copied for the leak check of the global teardown.
// Output still goes where it went; only a copy is taken.
const source = () => expect.getState().testPath?.replace(/^.*\/test\//, 'test/') ?? 'jest';

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    captureOutput(args.map((arg) => (typeof arg === 'string' ? arg : safeJson(arg))).join(' '), source());
    original(...args);
  };
}

// Streams only in a worker process: run in band, jest's own reporter writes through them too.
const inWorker = typeof process.send === 'function';
for (const stream of inWorker ? [process.stdout, process.stderr] : []) {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captureOutput(chunk, source());
    return original(chunk, ...rest);
  }) as typeof stream.write;
}

const originalWriteSync = fs.writeSync;
(fs as { writeSync: typeof fs.writeSync }).writeSync = ((fd: number, buffer: string | NodeJS.ArrayBufferView, ...rest: never[]) => {
  if (fd === 1 || fd === 2) captureOutput(typeof buffer === 'string' ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength), source());
  return (originalWriteSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
}) as typeof fs.writeSync;

function safeJson(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
