import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const MODULE = join(__dirname, '../../../lambda/observability/stdout.ts');

/** Runs `stdoutLine` in a fresh process whose stdout is a pipe, as Lambda's is. */
function stdoutOf(script: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(MODULE)}).then((m) => { const { stdoutLine } = m.default ?? m; ${script} })`], {
    encoding: 'utf8',
  });
}

test('writes each line whole, in order, one per call', () => {
  expect(stdoutOf("stdoutLine('{\"a\":1}'); stdoutLine('second'); process.stdout.write('third\\n'); stdoutLine('fourth');")).toBe('{"a":1}\nsecond\nthird\nfourth\n');
});

test('writes a line larger than a pipe buffer in full', () => {
  const out = stdoutOf("stdoutLine('x'.repeat(200000)); stdoutLine('end');");
  expect(out).toBe(`${'x'.repeat(200_000)}\nend\n`);
});
