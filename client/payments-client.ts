import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClientOptions, DEFAULT_RETRY_CONFIG, DEFAULT_TIMEOUT_MS, type RetryConfig, type RetryEvent } from './config';
import { errorFromAttempt, REPLAYED_HEADER } from './error-from-response';
import { PaymentsError } from './errors';
import { shouldRetry } from './retry-policy';
import { type AttemptResult, type PreparedRequest, sendOnce } from './transport';
import type { CreatePaymentOptions, CreatePaymentParams, CreatePaymentResult, Payment } from './types';

const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/**
 * A client of the payments API that retries safely: one Idempotency-Key per logical payment, the
 * same key and the same body bytes on every retry, and retries only where the server cannot have
 * done something a retry would repeat.
 */
export class PaymentsClient {
  private readonly baseUrl: string;
  /** `Bearer <secret key>`; a #private field, so logging or inspecting the client never shows it. */
  readonly #authorization: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryConfig;
  private readonly fetch: typeof fetch;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(options: ClientOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required, e.g. http://127.0.0.1:3000');
    if (!options.secretKey) {
      throw new TypeError('secretKey is required: the tenant\'s secret key (sk_test_… or sk_live_…), sent as Authorization: Bearer; `npm run keys -- create <tenant>` makes one');
    }
    // Anything else could not travel in a header (fetch would refuse it, with the key in the message).
    if (!/^[\x21-\x7e]+$/.test(options.secretKey)) throw new TypeError('secretKey must be one word of visible ASCII characters, as `npm run keys -- create` prints it');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#authorization = `Bearer ${options.secretKey}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY_CONFIG, ...options.retry };
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.onRetry = options.onRetry;
  }

  /**
   * Creates one payment. Every attempt of this call sends the same key and body, so however many
   * attempts the network costs, the API charges at most once and every answer is the same payment.
   * @throws CardDeclinedError, IdempotencyKeyReusedError, ... (all PaymentsError, with the key used)
   */
  async createPayment(params: CreatePaymentParams, options: CreatePaymentOptions = {}): Promise<CreatePaymentResult> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const request: PreparedRequest = {
      method: 'POST',
      path: '/payments',
      headers: { ...this.headers(), 'Content-Type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: idempotencyKey },
      body: JSON.stringify(params),
    };
    const { result, attempts } = await this.send(request, idempotencyKey);
    if (!isSuccess(result)) throw errorFromAttempt(result, attempts, idempotencyKey);
    return {
      payment: parsePayment(result.text, attempts, idempotencyKey),
      replayed: result.headers.get(REPLAYED_HEADER) === 'true',
      idempotencyKey,
      attempts,
    };
  }

  /** Reads a payment of the secret key's tenant. A GET changes nothing, so it is retried like a POST. */
  async getPayment(id: string): Promise<Payment> {
    const request: PreparedRequest = { method: 'GET', path: `/payments/${encodeURIComponent(id)}`, headers: this.headers() };
    const { result, attempts } = await this.send(request, undefined);
    if (!isSuccess(result)) throw errorFromAttempt(result, attempts, undefined);
    return parsePayment(result.text, attempts, undefined);
  }

  private headers(): Record<string, string> {
    return { Authorization: this.#authorization, Accept: 'application/json, application/problem+json' };
  }

  /** The retry loop: send, ask the policy, wait, send the very same request again. */
  private async send(request: PreparedRequest, idempotencyKey: string | undefined): Promise<{ result: AttemptResult; attempts: number }> {
    const startedAtEpochMs = Date.now();
    for (let number = 1; ; number++) {
      const result = await sendOnce(request, { fetch: this.fetch, baseUrl: this.baseUrl, timeoutMs: this.timeoutMs });
      const decision = shouldRetry(result, { number, elapsedMs: Date.now() - startedAtEpochMs }, this.retry);
      if (!decision.retry) return { result, attempts: number };
      this.onRetry?.({
        method: request.method,
        path: request.path,
        idempotencyKey,
        attempt: number,
        reason: result.kind === 'response' ? result.status : result.kind,
        delayMs: decision.delayMs,
      });
      await sleep(decision.delayMs);
    }
  }
}

function isSuccess(result: AttemptResult): result is Extract<AttemptResult, { kind: 'response' }> {
  return result.kind === 'response' && result.status >= 200 && result.status < 300;
}

function parsePayment(text: string, attempts: number, idempotencyKey: string | undefined): Payment {
  try {
    const payment = JSON.parse(text) as Payment;
    if (payment && payment.object === 'payment' && typeof payment.id === 'string') return payment;
  } catch {
    // Reported below.
  }
  throw new PaymentsError({
    code: 'invalid_response',
    message: `The API answered with something that is not a payment: ${text.slice(0, 200)}`,
    attempts,
    idempotencyKey,
    // With the same key, asking again returns the stored answer; nothing is charged twice.
    retryable: true,
  });
}
