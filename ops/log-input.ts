import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { OpsError, UsageError } from './result';

/** Standard input as the CLI hands it over: a stream, and whether a person is typing into it. */
export type Stdin = Readable & { isTTY?: boolean };

/** `-` names standard input among the files, as it does for most Unix tools. */
export const STDIN = '-';

/**
 * Every line of the files in turn (`-`, or no file at all: standard input). A `.gz` file is read
 * through gunzip: that is how CloudWatch Logs exports to S3 (download the export's objects and name
 * them all). A file that cannot be opened fails before any line is read.
 */
export async function* logLines(files: string[], stdin: Stdin | undefined): AsyncIterable<string> {
  const sources = files.length === 0 ? [STDIN] : files;
  const streams: Readable[] = [];
  for (const file of sources) streams.push(file === STDIN ? stdinStream(stdin) : await fileStream(file));
  for (const stream of streams) yield* linesOf(stream);
}

function stdinStream(stdin: Stdin | undefined): Readable {
  if (!stdin) throw new UsageError('outcomes: no standard input here; name a log file');
  // Waiting for a person to type log lines would look like a hang.
  if (stdin.isTTY) throw new UsageError('outcomes reads log lines from files or a pipe, e.g. `npm start > local.log`, then `npm run ops -- outcomes local.log`');
  return stdin;
}

async function fileStream(file: string): Promise<Readable> {
  let stream: Readable;
  try {
    stream = (await open(file)).createReadStream();
  } catch (error) {
    throw new OpsError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!file.endsWith('.gz')) return stream;
  const gunzip = createGunzip();
  stream.on('error', (error) => gunzip.destroy(error));
  return stream.pipe(gunzip);
}

async function* linesOf(stream: Readable): AsyncIterable<string> {
  stream.setEncoding('utf8'); // decodes characters split across chunks
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
  } catch (error) {
    throw new OpsError(`Cannot read the log lines: ${(error as Error).message}`);
  }
  if (rest !== '') yield rest;
}

/**
 * The JSON value a log line carries: the whole line, or what follows a prefix without braces:
 * the timestamp a CloudWatch Logs export or `aws logs tail` puts first, the Lambda text format's
 * `timestamp<TAB>request id<TAB>LEVEL<TAB>`. Undefined when there is none (START, END and REPORT
 * lines, a stack trace, local mode's terminal output).
 */
export function jsonIn(line: string): unknown {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(line.slice(start));
  } catch {
    return undefined;
  }
}

/** Local mode's terminal form (lambda/observability/pretty.ts): a time of day first, colours aside. */
export const isTerminalLine = (line: string): boolean => /^\d\d:\d\d:\d\d\.\d{3} {2}/.test(line.replace(/\u001b\[\d+m/g, ''));
