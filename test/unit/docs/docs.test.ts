import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const DOCS = [
  'README.md',
  'RELIABILITY.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  ...readdirSync(join(ROOT, 'bench'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `bench/${name}`),
];
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const anchorsOf = (markdown: string) =>
  new Set(
    markdown
      .replace(/```[\s\S]*?```/g, '')
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchorOf(line.replace(/^#+ /, ''))),
  );

describe('the docs', () => {
  it.each(DOCS)('%s: every relative link names a file (and heading) that exists', (doc) => {
    const markdown = read(doc).replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), path);
      if (!existsSync(file)) broken.push(`${target} (no file ${relative(ROOT, file)})`);
      else if (anchor && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${target} (no heading #${anchor})`);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: commands name a payment by the id captured from its create step, not one from the docs run', (doc) => {
    const commands = read(doc)
      .split('\n')
      .filter((line) => /\bcurl\b|\baws\b|--payload/.test(line));
    expect(commands.filter((line) => /pay_[0-9a-f]{32}/.test(line))).toEqual([]);
  });

  it('the client snippet in README and docs/client-snippet.md is the one client/examples/create-payment.ts runs', () => {
    const example = read('client/examples/create-payment.ts');
    for (const doc of ['README.md', 'docs/client-snippet.md']) {
      const snippet = /```ts\n(import \{ PaymentsClient \} from '\.\/client';\n[\s\S]*?)```/.exec(read(doc))?.[1];
      expect(snippet).toBeDefined();
      for (const line of snippet!.split('\n').slice(2).filter(Boolean)) expect(example).toContain(line);
    }
  });
});
