import type Stripe from 'stripe';

/** How the functions reach Stripe; parsed from the environment in `configFromEnv`. */
export interface StripeSettings {
  /** The secret key itself (`sk_test_…`, `sk_live_…` or a restricted `rk_…`): local mode and tests. */
  secretKey?: string;
  /** The webhook endpoint's signing secret (`whsec_…`), given directly. */
  webhookSecret?: string;
  /**
   * A Secrets Manager secret (ARN or name) holding `{"STRIPE_SECRET_KEY": …, "STRIPE_WEBHOOK_SECRET": …}`:
   * how the stack hands the keys over. Read once per container, never logged.
   */
  secretId?: string;
  /** Another Stripe-compatible server (tests); https, or plain http on loopback only. @default Stripe's API */
  apiBaseUrl?: URL;
  /**
   * Retries the SDK makes itself on a lost connection, a 409 or a 5xx, always with the same
   * Idempotency-Key; all of them end by the invocation's deadline.
   * @default 2
   */
  maxNetworkRetries: number;
}

export interface StripeCredentials {
  secretKey: string;
  webhookSecret?: string;
}

/** Reads a secret's string value; the Secrets Manager client is loaded only when a secret is used. */
export type SecretReader = (secretId: string) => Promise<string>;

const readFromSecretsManager: SecretReader = async (secretId) => {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (SecretString === undefined) throw new Error('the secret has no string value');
    return SecretString;
  } finally {
    client.destroy();
  }
};

/** The secret's keys: the same names as the environment variables of local mode. */
function credentialsFromSecret(text: string): StripeCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the Stripe secret must be JSON: {"STRIPE_SECRET_KEY": "sk_…", "STRIPE_WEBHOOK_SECRET": "whsec_…"}');
  }
  const { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof secretKey !== 'string' || !STRIPE_SECRET_KEY.test(secretKey)) throw new Error('the Stripe secret has no valid STRIPE_SECRET_KEY');
  if (webhookSecret !== undefined && typeof webhookSecret !== 'string') throw new Error('STRIPE_WEBHOOK_SECRET in the Stripe secret must be a string');
  return { secretKey, ...(webhookSecret ? { webhookSecret } : {}) };
}

/** Secret and restricted keys, test or live; the value itself is never echoed in an error. */
export const STRIPE_SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;

/**
 * The credentials, read once per container (a failed read is tried again on the next call, so a
 * secret fixed after a bad deploy is picked up without a cold start).
 */
export function credentialsLoader(settings: StripeSettings, readSecret: SecretReader = readFromSecretsManager): () => Promise<StripeCredentials> {
  let pending: Promise<StripeCredentials> | undefined;
  const load = async (): Promise<StripeCredentials> => {
    if (settings.secretKey) return { secretKey: settings.secretKey, ...(settings.webhookSecret ? { webhookSecret: settings.webhookSecret } : {}) };
    if (!settings.secretId) throw new Error('no Stripe secret key: set STRIPE_SECRET_KEY or STRIPE_SECRET_ID');
    const fromSecret = credentialsFromSecret(await readSecret(settings.secretId));
    return settings.webhookSecret ? { ...fromSecret, webhookSecret: settings.webhookSecret } : fromSecret;
  };
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * One Stripe client per container, created on first use. The SDK is loaded then too, so a
 * function running the simulator never pays for evaluating it at cold start.
 */
export function stripeClientProvider(settings: StripeSettings, credentials: () => Promise<StripeCredentials>): () => Promise<Stripe> {
  let pending: Promise<Stripe> | undefined;
  const create = async (): Promise<Stripe> => {
    const { secretKey } = await credentials();
    // Loaded here rather than at the top: the SDK is evaluated only where Stripe is used. A
    // require (not import()) so the SDK's CommonJS build and types are the ones used throughout.
    const StripeSdk = require('stripe') as typeof Stripe;
    const url = settings.apiBaseUrl;
    return new StripeSdk(secretKey, {
      maxNetworkRetries: settings.maxNetworkRetries,
      // No client telemetry header: nothing about our requests leaves except the requests.
      telemetry: false,
      appInfo: { name: 'idempotent-payments-lambda' },
      ...(url ? { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || (url.protocol === 'http:' ? '80' : '443'), protocol: url.protocol === 'http:' ? 'http' : 'https' } : {}),
    });
  };
  return () => {
    pending ??= create().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
