import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_TABLE_PATH, renderErrorTable } from '../../../scripts/error-table';
import { PROBLEMS } from '../../../lambda/http/problems';

const ROOT = join(__dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('the error table', () => {
  it(`${ERROR_TABLE_PATH} is the one generated from the problem catalogue (regenerate: npm run docs:errors)`, () => {
    expect(read(ERROR_TABLE_PATH)).toBe(renderErrorTable());
  });

  it.each(['README.md', 'docs/integration-guide.md'])('%s names only codes of the catalogue', (doc) => {
    // A code in a table cell or inline: `snake_case` words that look like problem codes.
    const named = [...read(doc).matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)].map((m) => m[1]!);
    const problemish = named.filter((word) => /_(missing|invalid|required|declined|reused|unavailable|rejected|error|found|large|allowed|in_progress|misconfigured|timeout|committed|requests|gateway|request|signature|payload|event|json|encoding|type)$/.test(word));
    expect(problemish.length).toBeGreaterThan(0);
    const unknown = problemish.filter((word) => !Object.hasOwn(PROBLEMS, word));
    // Words that end like a code but are not one: Stripe's own codes and fields, env names.
    const notOurs = new Set(['idempotency_error', 'error_on_requires_action', 'network_error', 'resource_missing', 'payment_method_types_no_longer_supported', 'expired_card', 'processor_code']);
    expect(unknown.filter((word) => !notOurs.has(word))).toEqual([]);
  });
});
