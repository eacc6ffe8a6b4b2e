import { LOCAL_DEV_TENANT, type LocalKeys } from '../lambda/auth';
import type { AppConfig } from '../lambda/payments/config';
import type { LocalSettings } from './settings';

export interface BannerInput {
  url: string;
  /** This process's id: the one to signal to stop local mode. */
  pid: number;
  settings: LocalSettings;
  config: AppConfig;
  dynamoDbEndpoint: string;
  /** The embedded DynamoDB Local's java pid; undefined when an external endpoint is used. */
  javaPid: number | undefined;
  /** Absolute data folder, or undefined when the database is in memory or external. */
  dataDir: string | undefined;
  tableStatus: 'created' | 'existing';
  /** The secret keys local mode verifies bearer tokens against (prepareLocalKeys). */
  keys: LocalKeys;
  startupMs: number;
}

/**
 * What `npm start` prints once it is ready: where things are, and two commands to try. A dev key
 * made by this start is printed once, in the `export` line of the commands (only its hash is
 * kept); every other secret is named by its key id only.
 */
export function banner(input: BannerInput): string {
  const { url, settings, config } = input;
  const storage = input.javaPid === undefined
    ? `DynamoDB at ${input.dynamoDbEndpoint} (DYNAMODB_ENDPOINT)`
    : `DynamoDB Local at ${input.dynamoDbEndpoint} (java pid ${input.javaPid})`;
  const data = input.dataDir
    ? `${input.dataDir} (kept across restarts; LOCAL_IN_MEMORY=1 for a throwaway database)`
    : input.javaPid === undefined ? 'wherever DYNAMODB_ENDPOINT keeps it' : 'in memory (lost when local mode stops)';
  const payment = '{"amount":1000,"currency":"usd","source":"tok_visa"}';
  const tenant = input.keys.source === 'dev' ? LOCAL_DEV_TENANT : input.keys.keys[0]!.tenant;
  const direct = `{"operation":"createPayment","idempotencyKey":"order-1002","tenant":"${tenant}","payment":${payment}}`;
  return [
    `Local mode listening on ${url} (pid ${input.pid}, ready in ${(input.startupMs / 1000).toFixed(1)} s)`,
    `  HTTP API    ${url}/payments  (POST /payments, GET /payments, GET /payments/{id}; every request with a secret key, see Keys)`,
    `  Invoke API  ${url}/2015-03-31/functions/payments/invocations`,
    `  Demo        ${url}/demo  (a checkout page: double click, reload, lost answer, crash)`,
    `  Storage     ${storage}, table ${config.tableName} (${input.tableStatus})`,
    `  Data        ${data}`,
    ...keyLines(input.keys),
    `  Function    timeout ${settings.functionTimeoutSeconds} s, retention ${config.idempotencyTtlSeconds} s, ${processorLine(config)}`,
    ...(config.stripe
      ? [
          `  Webhooks    ${url}/webhooks/stripe  (Stripe-Signature checked with STRIPE_WEBHOOK_SECRET${config.stripe.webhookSecret ? '' : ': NOT SET, every event is refused with a 500'})`,
        ]
      : []),
    '',
    `Try it (${tryAs(input.keys)}):`,
    ...(input.keys.source === 'dev' && input.keys.secret ? [`  export PAYMENTS_SECRET_KEY=${input.keys.secret}`] : []),
    `  curl -i -X POST ${url}/payments \\`,
    `    -H "Authorization: Bearer $PAYMENTS_SECRET_KEY" -H 'Idempotency-Key: order-1001' -H 'Content-Type: application/json' \\`,
    `    -d '${payment}'`,
    '',
    '  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 \\',
    `  aws lambda invoke --endpoint-url ${url} --function-name payments \\`,
    `    --payload '${direct}' out.json && cat out.json`,
    '  (AWS CLI v2: add --cli-binary-format raw-in-base64-out)',
    '',
    'Ctrl-C stops the server and DynamoDB Local; DynamoDB Local also stops if this process is killed (kill -9 included).',
  ].join('\n');
}

/** Which keys verify, by key id: never a secret, nor a prefix (it is most of a key's look). */
function keyLines(keys: LocalKeys): string[] {
  if (keys.source === 'dev') {
    const when = keys.secret ? 'made by this start; its secret is shown once, below' : 'made by an earlier start, which printed its secret';
    return [`  Keys        tenant ${keys.tenant}: dev key ${keys.keyId} (${when}); npm run keys -- create|list|revoke`];
  }
  const described = keys.keys.map((key) => `${key.tenant} ${key.keyId}${key.outcome === 'revoked' ? ' (revoked: stays so)' : ''}`);
  return [`  Keys        LOCAL_API_KEYS: ${described.join(', ')}; npm run keys -- create|list|revoke`];
}

/** Whose key the sample commands use. */
function tryAs(keys: LocalKeys): string {
  if (keys.source === 'seeded') return 'set PAYMENTS_SECRET_KEY to one of the secrets of LOCAL_API_KEYS';
  if (keys.secret) return `as tenant ${keys.tenant}, with its new dev key`;
  return `as tenant ${keys.tenant}: PAYMENTS_SECRET_KEY is the dev key printed at the first start; lost it? npm run keys -- create ${keys.tenant}`;
}

/** The processor in one line; never its secret. */
function processorLine(config: AppConfig): string {
  if (!config.stripe) return `simulated processor, latency ${config.processor.latencyMs} ms, failure rate ${config.processor.failureRate}`;
  const mode = config.stripe.secretKey?.includes('_live_') ? 'LIVE mode' : 'test mode';
  return `Stripe (${mode}) at ${config.stripe.apiBaseUrl?.origin ?? 'https://api.stripe.com'}`;
}
