/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { PaymentsClient, type RetryEvent } from '../../../client';
import type { Fault } from '../orders';
import type { OrderView } from '../tracker';

/**
 * Who the page is to the payments API: the demo's own secret key (tenant `local-demo`), which
 * local mode makes for the page and hands only to it (local/demo/secret-key.ts). Asked for once
 * per page load. A real checkout page never holds a secret key: the shop's server calls the API
 * with it. Here the page plays that server, on the developer's own machine.
 */
let secretKey: Promise<string> | undefined;

function demoSecretKey(): Promise<string> {
  secretKey ??= demoRequest('GET', '/demo/secret-key').then(async (response) => {
    if (!response.ok) throw new Error(`getting the demo's secret key failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { secretKey: string }).secretKey;
  });
  secretKey.catch(() => (secretKey = undefined));
  return secretKey;
}

/** What one attempt heard, as far as the timeline tells it. */
export interface Heard {
  status: number;
  replayed: boolean;
  retryAfter: string | null;
  code: string | undefined;
}

/** Called by the client's transport around each HTTP attempt, and before each retry. */
export interface AttemptHooks {
  sent(attempt: number): void;
  heard(attempt: number, heard: Heard): void;
  noAnswer(attempt: number, error: unknown): void;
  retrying(event: RetryEvent): void;
}

/** Enough attempts to outlast a crashed function's lock (its time limit plus a second). */
const MAX_ATTEMPTS = 8;

/**
 * The TypeScript client of client/, as an application would use it, with a fetch that tells the
 * timeline what each attempt sent and heard. An answer counts as heard once its body is read: a
 * connection cut before that is no answer at all.
 */
export async function paymentsClient(hooks: AttemptHooks): Promise<PaymentsClient> {
  let attempts = 0;
  const watchedFetch: typeof fetch = async (input, init) => {
    const attempt = ++attempts;
    hooks.sent(attempt);
    try {
      const response = await fetch(input, init);
      const text = await response.text();
      hooks.heard(attempt, {
        status: response.status,
        replayed: response.headers.get('Idempotent-Replayed') === 'true',
        retryAfter: response.headers.get('Retry-After'),
        code: problemCode(text),
      });
      return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      hooks.noAnswer(attempt, error);
      throw error;
    }
  };
  return new PaymentsClient({
    baseUrl: location.origin,
    secretKey: await demoSecretKey(),
    fetch: watchedFetch,
    onRetry: (event) => hooks.retrying(event),
    retry: { maxAttempts: MAX_ATTEMPTS },
  });
}

function problemCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The demo's own endpoints (local mode only): its orders, and their fault switches. */
async function demoRequest(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  return fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Step 1 of the integration guide: the server makes the order and its key, and keeps both. */
export async function createOrder(): Promise<OrderView> {
  const response = await demoRequest('POST', '/demo/orders', {});
  if (response.status !== 201) throw new Error(`creating an order failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as OrderView;
}

/** The order as the server has it now, with its timeline; undefined when the server does not know it. */
export async function loadOrder(id: string): Promise<OrderView | undefined> {
  const response = await demoRequest('GET', `/demo/orders/${encodeURIComponent(id)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`reading order ${id} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as OrderView;
}

export async function armFault(orderId: string, fault: Fault): Promise<void> {
  const response = await demoRequest('POST', `/demo/orders/${encodeURIComponent(orderId)}/faults`, { fault });
  if (!response.ok) throw new Error(`arming ${fault} failed: ${response.status} ${await response.text()}`);
}
