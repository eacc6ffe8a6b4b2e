/**
 * The docs' command samples, run against local mode.
 *
 *   npm run docs:samples               runs every marked sample and writes its output back
 *   npm run docs:samples -- --check    runs them and fails on drift (CI: test/integration/docs/samples.test.ts)
 *   npm run docs:samples -- README.md  only these files
 *
 * A sample is a ```console block whose commands start with `$ `, marked by an HTML comment on the
 * line above it:
 *
 *   <!-- sample -->                                  run it
 *   <!-- sample env="PROCESSOR_LATENCY_MS=3000" -->  run it against a local mode started with these variables
 *   <!-- sample                                      run these commands first, their output unseen
 *   setup: curl …
 *   -->
 *   <!-- sample skip="why" -->                       not run (a crash, a restart, another server): say why
 *
 * Every console block that talks to local mode (`127.0.0.1:3000`, `$DDB_ENDPOINT`) must carry one
 * of these, so no sample is left unchecked by accident. Each document gets its own local mode per
 * `env` (in memory, a fresh table), and its samples run in document order, so one may use what an
 * earlier one made. Within a block, one bash runs all commands, so `id=$(…)` carries over.
 *
 * Drift is what a reader would notice: the status line, the headers, the body's text. Values that
 * differ on every run are masked before comparing: ids, request ids, dates, epoch times, secret
 * keys, and Retry-After's seconds (they depend on how fast this machine is).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { startLocalMode, type LocalModeProcess } from '../test/helpers/local-mode-process';
import { testSecretKey } from '../test/helpers/test-keys';

const ROOT = resolve(__dirname, '..');
/** The address the docs show; the real one (a free port) is swapped in and back out. */
const DOCS_URL = 'http://127.0.0.1:3000';
const ATTRIBUTE = /(\w+)="([^"]*)"/g;
const KNOWN_ATTRIBUTES = new Set(['env', 'skip']);
/** A console block that needs a marker: it talks to local mode or its DynamoDB. */
const TALKS_TO_LOCAL_MODE = /127\.0\.0\.1:3000|\$DDB_ENDPOINT/;
/** Between two commands' outputs in the one bash run of a block. */
const SEPARATOR = '\u001e';

export interface SampleOptions {
  env: Record<string, string>;
  setup?: string;
  skip?: string;
}

export interface SampleEntry {
  /** The command's lines as printed, the first starting with `$ `. */
  command: string[];
  output: string[];
  /** A blank line follows the output in the doc (before the next command). */
  blankAfter: boolean;
}

export interface SampleBlock {
  doc: string;
  /** 0-based line index of the opening fence; the block's lines are (open, close). */
  open: number;
  close: number;
  options: SampleOptions;
  entries: SampleEntry[];
}

export interface Drift {
  doc: string;
  /** 1-based line of the command in the doc. */
  line: number;
  command: string;
  expected: string;
  actual: string;
}

export class SampleError extends Error {}

/** The documents whose samples are kept: README.md and docs/*.md. */
export function sampleDocs(): string[] {
  return ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

/**
 * The marker ending on line `end`, or undefined when that comment is not one: its first line
 * `<!-- sample attr="…"`, then any `setup: <command>` lines (commands may hold both quotes, which
 * an attribute could not), then `-->`.
 */
function readMarker(doc: string, lines: string[], end: number): SampleOptions | undefined {
  let start = end;
  while (start >= 0 && !lines[start]!.trimStart().startsWith('<!--')) start--;
  if (start < 0) return undefined;
  const first = /^<!-- sample\b(?<attributes>.*?)(?:-->)?$/.exec(lines[start]!.trim());
  if (!first) return undefined;
  const options = parseOptions(doc, start, first.groups!.attributes!);
  for (let n = start + 1; n <= end; n++) {
    const line = lines[n]!.trim().replace(/-->$/, '').trim();
    if (line === '') continue;
    if (!line.startsWith('setup: ')) throw new SampleError(`${doc}:${n + 1}: a sample marker's further lines are "setup: <command>"`);
    options.setup = [options.setup, line.slice('setup: '.length)].filter(Boolean).join('\n');
  }
  return options;
}

function parseOptions(doc: string, line: number, text: string): SampleOptions {
  const options: SampleOptions = { env: {} };
  const rest = text.replace(ATTRIBUTE, '').trim();
  if (rest) throw new SampleError(`${doc}:${line + 1}: cannot read the sample marker's "${rest}" (attributes are name="value")`);
  for (const [, name, value] of text.matchAll(ATTRIBUTE)) {
    if (!KNOWN_ATTRIBUTES.has(name!)) throw new SampleError(`${doc}:${line + 1}: unknown sample attribute ${name}`);
    if (name === 'env') {
      for (const pair of value!.split(/\s+/).filter(Boolean)) {
        const at = pair.indexOf('=');
        if (at < 1) throw new SampleError(`${doc}:${line + 1}: env wants NAME=value pairs, got ${pair}`);
        options.env[pair.slice(0, at)] = pair.slice(at + 1);
      }
    } else options.skip = value;
  }
  if (options.skip !== undefined && !options.skip.trim()) throw new SampleError(`${doc}:${line + 1}: skip="" must say why`);
  return options;
}

/** Whether bash would read more lines to finish this command (an open loop, quote or `\`). */
function incomplete(command: string): boolean {
  if (command.endsWith('\\')) return true;
  const result = spawnSync('bash', ['-n', '-c', command], { encoding: 'utf8' });
  return result.status !== 0 && /unexpected end of file|unexpected EOF/.test(result.stderr);
}

/** `lines` are a block's body; `firstLine` (0-based, in the doc) only places error messages. */
function parseEntries(doc: string, lines: string[], firstLine: number): SampleEntry[] {
  const entries: SampleEntry[] = [];
  let continuing = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const current = entries.at(-1);
    if (continuing && current) {
      current.command.push(line);
      continuing = incomplete(commandText(current.command));
    } else if (line.startsWith('$ ')) {
      entries.push({ command: [line], output: [], blankAfter: false });
      continuing = incomplete(commandText([line]));
    } else if (!current) {
      throw new SampleError(`${doc}:${firstLine + i + 1}: a sample starts with a command ("$ …")`);
    } else current.output.push(line);
  }
  for (const entry of entries) {
    while (entry.output.at(-1) === '') {
      entry.output.pop();
      entry.blankAfter = true;
    }
  }
  if (entries.length) entries.at(-1)!.blankAfter = false;
  return entries;
}

const commandText = (lines: string[]) => lines.join('\n').replace(/^\$ /, '');

/** The marked console blocks of one document; throws on a local-mode block without a marker. */
export function parseSamples(doc: string, text = readFileSync(join(ROOT, doc), 'utf8')): SampleBlock[] {
  const lines = text.split('\n');
  const blocks: SampleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```/.test(lines[i]!)) continue;
    const close = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (close < 0) throw new SampleError(`${doc}:${i + 1}: unclosed code block`);
    const body = lines.slice(i + 1, close);
    let above = i - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const marker = above >= 0 && lines[above]!.trim().endsWith('-->') ? readMarker(doc, lines, above) : undefined;
    if (lines[i] === '```console' && marker) {
      blocks.push({ doc, open: i, close, options: marker, entries: parseEntries(doc, body, i + 1) });
    } else if (lines[i] === '```console' && TALKS_TO_LOCAL_MODE.test(body.join('\n'))) {
      throw new SampleError(`${doc}:${i + 1}: a console block that talks to local mode needs <!-- sample --> or <!-- sample skip="why" --> above it`);
    } else if (marker) throw new SampleError(`${doc}:${above + 1}: a sample marker must stand above a \`\`\`console block`);
    i = close;
  }
  return blocks;
}

/** Masks what differs on every run, so two runs of one sample compare equal. */
export function mask(text: string): string {
  return text
    .replace(/\b(sk_(?:test|live))_[A-Za-z0-9_]+/g, '$1_<secret>')
    .replace(/\b([a-z]{2,4})_[0-9a-f]{16,}\b/g, '$1_<id>')
    .replace(/\bkey_[A-Za-z0-9]{12,}\b/g, 'key_<id>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    .replace(/^Date: .*$/gm, 'Date: <date>')
    .replace(/\bhttp:\/\/127\.0\.0\.1:\d+/g, 'http://127.0.0.1:<port>')
    .replace(/\b1\d{12}\b/g, '<epoch-ms>')
    .replace(/\b1\d{9}\b/g, '<epoch-s>')
    .replace(/^(Retry-After: )\d+$/gim, '$1<s>')
    .replace(/\b(Retry in )\d+( s)/g, '$1<n>$2')
    .replace(/^(Content-Length: )\d+$/gim, '$1<n>')
    .replace(/^(Location: \/payments\/)\S+$/gim, '$1<id>');
}

interface Instance {
  mode: LocalModeProcess;
  url: string;
  ddbEndpoint: string;
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  // Its own DynamoDB Local, as `npm start` has: the docs name the default table, and a shared
  // database (the test run's) would hold other tests' payments.
  const mode = startLocalMode({ LOCAL_IN_MEMORY: '1', NO_COLOR: '1', DYNAMODB_ENDPOINT: '', ...env });
  try {
    const url = await mode.url();
    const ddbEndpoint = /Storage\s+DynamoDB Local at (http:\/\/\S+)/.exec(mode.output())?.[1];
    if (!ddbEndpoint) throw new SampleError(`local mode printed no DynamoDB Local address:\n${mode.output()}`);
    return { mode, url, ddbEndpoint };
  } catch (error) {
    await mode.kill9();
    throw error;
  }
}

/** Runs a block's commands in one bash; one output (lines) per command. */
function runBlock(block: SampleBlock, instance: Instance, workDir: string): string[][] {
  const toReal = (s: string) => s.split(DOCS_URL).join(instance.url);
  const script = [
    'exec 2>&1',
    // A terminal hides curl's progress meter; a pipe would show it. -S still prints curl's errors.
    'curl() { command curl -sS "$@"; }',
    // Files the samples write (out.json) land in a scratch folder; npm still runs this project's scripts.
    `npm() { command npm --prefix ${JSON.stringify(ROOT)} "$@"; }`,
    ...(block.options.setup ? [`{ ${toReal(block.options.setup)} ; } >/dev/null 2>&1`] : []),
    ...block.entries.map((entry, n) => `printf '\\n${SEPARATOR}${n}\\n'\n${toReal(commandText(entry.command))}`),
    `printf '\\n${SEPARATOR}end\\n'`,
  ].join('\n');
  const stdout = execFileSync('bash', ['-c', script], {
    cwd: workDir,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DDB_ENDPOINT: instance.ddbEndpoint,
      // What `npm run keys` talks to, and the key local mode was seeded with for local-dev (the
      // docs tell the reader to export the one their banner printed).
      DYNAMODB_ENDPOINT: instance.ddbEndpoint,
      PAYMENTS_SECRET_KEY: testSecretKey('local-dev'),
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_DEFAULT_REGION: 'us-east-1',
    },
  });
  const parts = stdout.replace(/\r/g, '').split(new RegExp(`\\n${SEPARATOR}(?:\\d+|end)\\n`));
  // parts[0] is before the first separator (setup is silenced); one part per command follows.
  return block.entries.map((_, n) => {
    const text = (parts[n + 1] ?? '').replace(/\n+$/, '');
    return text === '' ? [] : text.split(instance.url).join(DOCS_URL).split('\n');
  });
}

/** The document with each sample's outputs replaced by those of a run. */
function rewrite(text: string, blocks: SampleBlock[], outputs: Map<SampleBlock, string[][]>): string {
  const lines = text.split('\n');
  for (const block of [...blocks].reverse()) {
    const result = outputs.get(block);
    if (!result) continue;
    const body = block.entries.flatMap((entry, n) => [...entry.command, ...result[n]!, ...(entry.blankAfter ? [''] : [])]);
    lines.splice(block.open + 1, block.close - block.open - 1, ...body);
  }
  return lines.join('\n');
}

export interface SampleRun {
  drifts: Drift[];
  ran: number;
  skipped: number;
}

/** Runs the samples of these documents; with `write`, puts the new outputs into the files. */
export async function runSamples(docs: string[], options: { write: boolean; log?: (line: string) => void }): Promise<SampleRun> {
  const log = options.log ?? (() => {});
  const run: SampleRun = { drifts: [], ran: 0, skipped: 0 };
  const workDir = mkdtempSync(join(tmpdir(), 'doc-samples-'));
  try {
    for (const doc of docs) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      const blocks = parseSamples(doc, text);
      const outputs = new Map<SampleBlock, string[][]>();
      const instances = new Map<string, Instance>();
      try {
        for (const block of blocks) {
          if (block.options.skip !== undefined) {
            run.skipped++;
            continue;
          }
          const key = JSON.stringify(Object.entries(block.options.env).sort());
          if (!instances.has(key)) {
            const startedMs = Date.now();
            instances.set(key, await startInstance(block.options.env));
            log(`${doc}: local mode${key === '[]' ? '' : ` with ${key}`} ready in ${Date.now() - startedMs} ms`);
          }
          const startedMs = Date.now();
          const result = runBlock(block, instances.get(key)!, workDir);
          log(`${doc}:${block.open + 1}: ${block.entries.length} command(s), ${Date.now() - startedMs} ms`);
          outputs.set(block, result);
          run.ran++;
          block.entries.forEach((entry, n) => {
            const expected = entry.output.join('\n');
            const actual = result[n]!.join('\n');
            if (mask(expected) !== mask(actual)) {
              run.drifts.push({ doc, line: block.open + 2 + block.entries.slice(0, n).reduce((sum, e) => sum + e.command.length + e.output.length + (e.blankAfter ? 1 : 0), 0), command: entry.command.join('\n'), expected, actual });
            }
          });
        }
      } finally {
        await Promise.all([...instances.values()].map((i) => i.mode.kill9()));
      }
      log(`${doc}: ${outputs.size} sample(s) run`);
      if (options.write && outputs.size) writeFileSync(join(ROOT, doc), rewrite(text, blocks, outputs));
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return run;
}

/** A drift as a reader would want it: where, the command, and the two outputs masked. */
export function describeDrift(drift: Drift): string {
  return [`${drift.doc}:${drift.line}: ${drift.command.split('\n')[0]}`, '  the doc says:', ...mask(drift.expected).split('\n').map((l) => `    ${l}`), '  local mode says:', ...mask(drift.actual).split('\n').map((l) => `    ${l}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const named = argv.filter((a) => !a.startsWith('--'));
  const docs = named.length ? named.map((p) => relative(ROOT, resolve(p))) : sampleDocs();
  const run = await runSamples(docs, { write: !check, log: (line) => console.log(line) });
  for (const drift of run.drifts) console.log(`\n${describeDrift(drift)}`);
  console.log(`\n${run.ran} sample(s) run, ${run.skipped} skipped, ${run.drifts.length} ${check ? 'drifted' : 'changed beyond ids and times (now rewritten)'}`);
  return check && run.drifts.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof SampleError ? error.message : error);
      process.exit(2);
    },
  );
}
