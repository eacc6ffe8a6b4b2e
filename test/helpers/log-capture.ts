import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every line the code under test writes during `npm test` (console, stdout, stderr, fd 1/2, and
 * local mode processes' output) is copied to LOG_CAPTURE_DIR; the global teardown then fails the
 * run if any holds a secret, a card token, an Authorization header or a payment body.
 */
export const LOG_CAPTURE_DIR_VARIABLE = 'LOG_CAPTURE_DIR';

export function createCaptureDir(): string {
  return mkdtempSync(join(tmpdir(), 'idempotent-payments-logs-'));
}

/** Appends output of this process (or of a child it ran) to the capture folder, if there is one. */
export function captureOutput(text: string | Uint8Array, source: string): void {
  const dir = process.env[LOG_CAPTURE_DIR_VARIABLE];
  if (!dir || text.length === 0) return;
  const value = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  appendFileSync(join(dir, `${process.pid}.log`), value.split('\n').filter(Boolean).map((line) => `${source}\t${line}\n`).join(''));
}

/**
 * What must never be in a log line. Secrets and card data by shape; an Authorization header by
 * name; a payment body by its `amount` and `currency` members side by side (telemetry lines have a
`source` of their own, cache or store, so that member proves nothing).
 */
export const FORBIDDEN_IN_LOGS: readonly { what: string; pattern: RegExp }[] = [
  { what: 'a Stripe secret key', pattern: /\b[sr]k_(?:test|live)_[A-Za-z0-9]{4,}/ },
  { what: 'a webhook signing secret', pattern: /\bwhsec_[A-Za-z0-9]{4,}/ },
  { what: 'a card token', pattern: /\btok_(?:visa|chargeDeclined)\b/ },
  { what: 'a payment method', pattern: /\bpm_[A-Za-z0-9_]{4,}/ },
  { what: 'an Authorization header or bearer token', pattern: /\bauthorization\b|\bBearer\s+\S/i },
  { what: 'a payment body', pattern: /"amount"\s*:\s*\d+\s*,\s*"currency"/ },
];

export interface Leak {
  file: string;
  what: string;
  line: string;
}

/**
 * The sample commands of local mode's start banner (`curl … -d '{…"source":"tok_visa"}'`, and
 * `export PAYMENTS_SECRET_KEY=…` with the dev key it made on its first start, shown that once):
 * the documentation it prints, not something it logged about a request.
 */
const BANNER_SAMPLE = /^local mode\t\s+(?:curl |aws lambda invoke |-H |-d '|--payload '|export PAYMENTS_SECRET_KEY=)/;

export function findLeaks(dir: string): Leak[] {
  const leaks: Leak[] = [];
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (BANNER_SAMPLE.test(line)) continue;
      for (const { what, pattern } of FORBIDDEN_IN_LOGS) {
        // Shown with the match masked: the report must not leak what it found.
        if (pattern.test(line)) leaks.push({ file, what, line: line.replace(pattern, '<redacted>').slice(0, 300) });
      }
    }
  }
  return leaks;
}
