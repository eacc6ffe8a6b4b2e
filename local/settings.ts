import { type LocalKeySeed, LOCAL_DEV_TENANT, parseLocalApiKeys } from '../lambda/auth';
import { FUNCTION_TIMEOUT_SECONDS, functionTimeoutFromEnv } from '../lambda/payments/config';
import { ConfigError, type Env, flagFromEnv, numberFromEnv, urlFromEnv } from '../lambda/shared/env';
import { DEFAULT_LOCAL_STATE_FILE, stateFilePath } from './state-file';

/** What local mode itself needs to know; the function's own settings come from `configFromEnv`. */
export interface LocalSettings {
  /**
   * Port of the HTTP API and the Invoke API; 0 picks a free one.
   * @default 3000
   */
  port: number;
  /**
   * Interface to listen on. Loopback by default: local mode is a developer's tool (its Invoke API
   * takes any credentials, its demo page hands out a key of its own), so it should not be
   * reachable from the network unless asked for.
   * @default '127.0.0.1'
   */
  host: string;
  /**
   * A DynamoDB (Local) endpoint to use instead of starting the embedded one.
   * @default undefined (start DynamoDB Local)
   */
  dynamoDbEndpoint: string | undefined;
  /**
   * Where the embedded DynamoDB Local keeps its database between runs.
   * @default '.local-data/dynamodb'
   */
  dataDir: string;
  /**
   * Keep the embedded database in memory: every start begins empty.
   * @default false
   */
  inMemory: boolean;
  /**
   * The emulated Lambda timeout, in seconds; the idempotency lease follows it. Lambda allows 1-900.
   * The same variable tells the function its timeout (configFromEnv), so both agree.
   * @default FUNCTION_TIMEOUT_SECONDS (10, the stack's)
   */
  functionTimeoutSeconds: number;
  /**
   * Seconds between in-process recovery sweeps (finishing payments whose holder died); 0 turns
   * recovery off. In AWS a schedule runs it every minute.
   * @default 10
   */
  recoveryIntervalSeconds: number;
  /** Where local mode tells `npm run ops` how to reach its database. @default '.local-data/local-mode.json' */
  stateFile: string;
  /**
   * LOCAL_API_KEYS (`tenant=sk_test_…,…`): secret keys stored at start, as `npm run keys --
   * create` would store them. Undefined when unset: local mode then makes a dev key for
   * `${LOCAL_DEV_TENANT}` on its first start.
   * @default undefined
   */
  apiKeys: LocalKeySeed[] | undefined;
}

export const DEFAULT_LOCAL_PORT = 3000;
export const DEFAULT_RECOVERY_INTERVAL_SECONDS = 10;
export const DEFAULT_LOCAL_DATA_DIR = '.local-data/dynamodb';


export const USAGE = `Usage: npm start [-- --in-memory]

Environment: PORT (3000), HOST (127.0.0.1), DYNAMODB_ENDPOINT (start DynamoDB Local when unset),
LOCAL_DATA_DIR (${DEFAULT_LOCAL_DATA_DIR}), LOCAL_IN_MEMORY (0), FUNCTION_TIMEOUT_SECONDS (${FUNCTION_TIMEOUT_SECONDS}),
RECOVERY_INTERVAL_SECONDS (${DEFAULT_RECOVERY_INTERVAL_SECONDS}; 0 is off), RECOVERY_WINDOW_SECONDS (unlimited),
LOCAL_STATE_FILE (${DEFAULT_LOCAL_STATE_FILE}), TABLE_NAME, IDEMPOTENCY_TTL_SECONDS, PROCESSOR_LATENCY_MS,
PROCESSOR_FAILURE_RATE, PAYMENT_PROCESSOR (simulated | stripe), STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET,
STRIPE_API_BASE_URL (Stripe's API), STRIPE_MAX_NETWORK_RETRIES (2),
LOCAL_API_KEYS (tenant=sk_test_…,…; unset: a dev key for ${LOCAL_DEV_TENANT}, made on the first start).`;

/** DYNAMODB_ENDPOINT as the SDK takes it: the URL as given. */
const endpointFromEnv = (env: Env, name: string) => (urlFromEnv(env, name, 'http://127.0.0.1:8000') ? env[name]!.trim() : undefined);

/** Reads local mode's settings once, at startup. `argv` is what follows the script name. */
export function localSettingsFromEnv(env: Env, argv: readonly string[]): LocalSettings {
  const unknown = argv.filter((arg) => arg !== '--in-memory');
  if (unknown.length > 0) throw new ConfigError(`unknown argument ${unknown.join(' ')}\n\n${USAGE}`);
  return {
    port: numberFromEnv(env, 'PORT', DEFAULT_LOCAL_PORT, 0, 65_535, true),
    host: env.HOST?.trim() || '127.0.0.1',
    dynamoDbEndpoint: endpointFromEnv(env, 'DYNAMODB_ENDPOINT'),
    dataDir: env.LOCAL_DATA_DIR?.trim() || DEFAULT_LOCAL_DATA_DIR,
    inMemory: argv.includes('--in-memory') || flagFromEnv(env, 'LOCAL_IN_MEMORY'),
    functionTimeoutSeconds: functionTimeoutFromEnv(env),
    recoveryIntervalSeconds: numberFromEnv(env, 'RECOVERY_INTERVAL_SECONDS', DEFAULT_RECOVERY_INTERVAL_SECONDS, 0, 3_600, true),
    stateFile: stateFilePath(env),
    apiKeys: apiKeysFromEnv(env),
  };
}

function apiKeysFromEnv(env: Env): LocalKeySeed[] | undefined {
  const raw = env.LOCAL_API_KEYS?.trim();
  if (!raw) return undefined;
  // The message names entries and tenants, never a secret.
  const parsed = parseLocalApiKeys(raw);
  if (!parsed.ok) throw new ConfigError(parsed.message);
  if (parsed.seeds.length === 0) throw new ConfigError('LOCAL_API_KEYS holds no tenant=secret entry; unset it for a dev key.');
  return parsed.seeds;
}
