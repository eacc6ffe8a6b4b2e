import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PAGE_DIR = join(__dirname, 'page');

/** The page's three files, served from memory: the HTML and CSS as written, the script bundled. */
export interface PageAssets {
  html: string;
  css: string;
  /** Resolves once esbuild is done (a fraction of a second, while DynamoDB Local starts); rejects when it failed. */
  script: Promise<string>;
}

/**
 * Bundles the page's script, the TypeScript client in `client/` included, for the browser. The
 * client is written for Node; in the browser its two Node imports become the browser's own
 * `crypto.randomUUID` and timers (page/shims).
 */
export async function bundlePageScript(): Promise<string> {
  // esbuild is a development dependency, as local mode is a development tool; loaded only here.
  const esbuild = await import('esbuild');
  const shims: Record<string, string> = {
    'node:crypto': join(PAGE_DIR, 'shims', 'crypto.ts'),
    'node:timers/promises': join(PAGE_DIR, 'shims', 'timers-promises.ts'),
  };
  const nodeShims: import('esbuild').Plugin = {
    name: 'node-shims',
    setup(build) {
      build.onResolve({ filter: /^node:/ }, (args) => {
        const path = shims[args.path];
        return path ? { path } : { errors: [{ text: `${args.path} has no browser shim (imported by ${args.importer})` }] };
      });
    },
  };
  try {
    const result = await esbuild.build({
      entryPoints: [join(PAGE_DIR, 'main.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: ['es2022'],
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [nodeShims],
    });
    const [output] = result.outputFiles;
    if (!output) throw new Error('esbuild produced no output for the demo page');
    return output.text;
  } finally {
    // Its service process is not needed once the page is built.
    await esbuild.stop();
  }
}

export function loadPageAssets(): PageAssets {
  const script = bundlePageScript();
  // Whoever asks for the script reports a failure; until then it must not be an unhandled rejection.
  script.catch(() => undefined);
  return {
    html: readFileSync(join(PAGE_DIR, 'index.html'), 'utf8'),
    css: readFileSync(join(PAGE_DIR, 'style.css'), 'utf8'),
    script,
  };
}
