import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The workspace package as a consumer gets it: its dist/ is what `npm pack` ships. */
export const REPO_ROOT = resolve(__dirname, '../../..');
export const PACKAGE_DIR = join(REPO_ROOT, 'lambda/idempotency');
export const run = promisify(execFile);

// Tests in two workers (or two jest runs) may build dist/ at once; one rebuilding it while the
// other reads it would show half-written files. A directory is the lock: mkdir is atomic.
const LOCK_DIR = join(tmpdir(), 'idempotent-payments-idempotency-build.lock');
const STALE_LOCK_MS = 180_000;

async function lock(): Promise<() => void> {
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A holder that died (killed run) leaves the lock behind: take it once it is old enough.
      const heldSinceMs = statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - heldSinceMs > STALE_LOCK_MS || Date.now() > deadline) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * dist/ is current when every file in it is newer than every input and each of its .js files
 * still has its source (else a deleted module would ship). A build takes ~10-20 s on a busy
 * machine; the second test file to get here reuses the first one's.
 */
function distIsCurrent(): boolean {
  const dist = join(PACKAGE_DIR, 'dist');
  const outputs = readdirSync(dist, { withFileTypes: true }).filter((entry) => entry.isFile());
  if (outputs.length === 0) return false;
  const sources = readdirSync(PACKAGE_DIR).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  const inputs = [...sources, 'tsconfig.build.json', 'package.json'].map((name) => statSync(join(PACKAGE_DIR, name)).mtimeMs);
  const newestInputMs = Math.max(...inputs);
  const oldestOutputMs = Math.min(...outputs.map((entry) => statSync(join(dist, entry.name)).mtimeMs));
  const orphan = outputs.some((entry) => entry.name.endsWith('.js') && !sources.includes(entry.name.replace(/\.js$/, '.ts')));
  return oldestOutputMs >= newestInputMs && !orphan;
}

/** Runs `use` with dist/ built from the current sources, and no other test rebuilding it meanwhile. */
export async function withBuiltPackage<T>(use: () => Promise<T>): Promise<T> {
  const unlock = await lock();
  try {
    let current = false;
    try {
      current = distIsCurrent();
    } catch {
      // no dist/ yet
    }
    if (!current) await run('npm', ['run', 'build', '-w', '@idempotent-payments/idempotency'], { cwd: REPO_ROOT });
    return await use();
  } finally {
    unlock();
  }
}
