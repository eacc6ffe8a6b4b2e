import { writeSync } from 'node:fs';

const STDOUT_FD = 1;

/**
 * The Lambda sink for telemetry lines: one line to stdout, written at once, where Lambda collects
 * it as one log event. Not `console.log`, which the JSON log format wraps in a message string
 * (CloudWatch then no longer finds the EMF in it), and not `process.stdout`, whose creation on
 * first use costs the first invocation some 4 to 6 ms (measured: docs/operating.md, "Telemetry cost").
 */
export function stdoutLine(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(STDOUT_FD, bytes, written);
  } catch (error) {
    // A non-blocking stdout that is full: the stream queues the rest instead.
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    process.stdout.write(bytes.subarray(written));
  }
}
