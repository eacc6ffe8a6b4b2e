import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEMS, type ProblemCode } from '../lambda/http/problems';

/** Where the one error table lives; every other page links here. */
export const ERROR_TABLE_PATH = 'docs/errors.md';

const BY = { function: 'function', gateway: 'API Gateway', local: 'local mode' } as const;
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** docs/errors.md, from the problem catalogue (lambda/http/problems.ts): nothing in it is typed twice. */
export function renderErrorTable(): string {
  const order = (status: number | string) => (typeof status === 'number' ? status : status === '4xx' ? 499 : 599);
  const codes = (Object.keys(PROBLEMS) as ProblemCode[]).sort((a, b) => order(PROBLEMS[a].status) - order(PROBLEMS[b].status));
  const rows = codes.map((code) => {
    const p = PROBLEMS[code];
    return `| ${p.status} | \`${code}\` | ${p.by.map((b) => BY[b]).join(', ')} | ${cell(p.when)} | ${cell(p.stored)} | ${cell(p.then)} |`;
  });
  return [
    '# Errors',
    '',
    '<!-- Generated from lambda/http/problems.ts by `npm run docs:errors`; test/unit/docs/error-table.test.ts fails when it drifts. -->',
    '',
    'Every error is an RFC 9457 problem document (`application/problem+json`) with `type`',
    '(`urn:idempotent-payments:problem:<code>`), `title`, `status`, `detail` and a stable `code`, and',
    "never a stack trace. The two catch-alls of API Gateway (`request_rejected`, `gateway_error`) have",
    'no `status` member: a gateway response template cannot read it; the status line has it.',
    'Answers to a `POST` echo a valid `Idempotency-Key`.',
    '',
    '| status | code | answered by | when | stored and replayed? | what the client does |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(join(__dirname, '..', ERROR_TABLE_PATH), renderErrorTable());
  console.log(`wrote ${ERROR_TABLE_PATH}`);
}
