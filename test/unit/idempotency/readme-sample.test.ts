import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR, REPO_ROOT, run, withBuiltPackage } from '../../integration/idempotency/package-build';

const SECTION = '## Use it in your own handler';

/** The one TypeScript block under the section's heading, exactly as the README prints it. */
export function sampleOf(readme: string): string {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README has no "${SECTION}" section`);
  const rest = readme.slice(start + SECTION.length + 2);
  const section = rest.slice(0, rest.search(/\n## /) < 0 ? undefined : rest.search(/\n## /));
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  if (blocks.length !== 1) throw new Error(`"${SECTION}" must hold exactly one ts block, found ${blocks.length}`);
  return blocks[0]!;
}

/**
 * Strict tsc on each source (file name -> text) as a user's ESM project would compile it, in one
 * program (one tsc start for all); the diagnostics of each file, '' for a clean one.
 */
async function compile(sources: Record<string, string>): Promise<Record<string, string>> {
  // Under the repo's node_modules: `@idempotent-payments/idempotency` resolves through the
  // workspace symlink there (to the package's dist/), the peers beside it. Git ignores the place.
  const cacheDir = join(REPO_ROOT, 'node_modules/.cache');
  mkdirSync(cacheDir, { recursive: true });
  const dir = mkdtempSync(join(cacheDir, 'idempotency-readme-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    for (const [name, text] of Object.entries(sources)) writeFileSync(join(dir, name), text);
    const tsconfig = {
      // skipLibCheck off: the package's own .d.ts files must compile under a strict consumer too.
      compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
      files: Object.keys(sources),
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    let output = '';
    try {
      await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], { cwd: dir });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      output = `${stdout ?? ''}${stderr ?? ''}`.trim() || String(error);
    }
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const unplaced = lines.filter((line) => !Object.keys(sources).some((name) => line.startsWith(`${name}(`)));
    // A diagnostic in no sample (a .d.ts of the package, the config) fails every sample.
    return Object.fromEntries(Object.keys(sources).map((name) => [name, [...unplaced, ...lines.filter((line) => line.startsWith(`${name}(`))].join('\n')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the README sample', () => {
  const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
  const sample = sampleOf(readme);
  const broken = sample.replace('ttlSeconds: 24 * 60 * 60,', "ttlSeconds: '1 day',");
  let diagnostics: Record<string, string>;

  beforeAll(async () => {
    diagnostics = await withBuiltPackage(() => compile({ 'sample.ts': sample, 'broken.ts': broken }));
  }, 120_000);

  test('compiles with strict tsc against the built package, as printed', () => {
    expect(diagnostics['sample.ts']).toBe('');
  });

  test('the check can fail: the sample with one wrong option does not compile', () => {
    expect(broken).not.toBe(sample);
    expect(diagnostics['broken.ts']).toMatch(/^broken\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/m);
  });
});
