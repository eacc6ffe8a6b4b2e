import { REPLAYED_HEADER } from '../../lambda/idempotency/middleware';
import type { InvocationOutcome } from '../lambda-runtime';

/** The parts of a proxy result the demo reads to tell what an answer meant. */
export interface Answer {
  status: number;
  replayed: boolean;
  retryAfterSeconds: string | undefined;
  code: string | undefined;
  paymentId: string | undefined;
  /** The body's length, for the headers of an answer the demo cuts short. */
  bodyBytes: number;
}

function header(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : String(found[1]);
}

/** What the function answered; a crash or timeout is the gateway's 502, as the browser gets it. */
export function answerOf(outcome: InvocationOutcome): Answer {
  if (outcome.kind !== 'result') return { status: 502, replayed: false, retryAfterSeconds: undefined, code: outcome.kind, paymentId: undefined, bodyBytes: 0 };
  const value = (outcome.value ?? {}) as { statusCode?: unknown; headers?: unknown; body?: unknown };
  let body: { id?: unknown; code?: unknown; payment?: unknown } = {};
  try {
    body = typeof value.body === 'string' ? (JSON.parse(value.body) ?? {}) : {};
  } catch {
    // Not JSON: no payment or code to show.
  }
  const paymentId = typeof body.id === 'string' ? body.id : typeof body.payment === 'string' ? body.payment : undefined;
  return {
    status: typeof value.statusCode === 'number' ? value.statusCode : 502,
    replayed: header(value.headers, REPLAYED_HEADER) === 'true',
    retryAfterSeconds: header(value.headers, 'Retry-After'),
    code: typeof body.code === 'string' ? body.code : undefined,
    paymentId,
    bodyBytes: typeof value.body === 'string' ? Buffer.byteLength(value.body) : 0,
  };
}

/** One sentence for a newcomer: what the answer to request #n says. */
export function describeAnswer(number: number, answer: Answer, functionTimeoutSeconds: number): string {
  const to = `Answered request #${number}:`;
  const { status } = answer;
  if (status >= 200 && status < 300 && answer.replayed) {
    return `${to} ${status}, replayed (Idempotent-Replayed: true). It is the answer stored for this key, the same bytes as the first time; nothing was charged.`;
  }
  if (status === 201) return `${to} 201 Created. The payment${answer.paymentId ? ` ${answer.paymentId}` : ''} is made.`;
  if (status === 409) {
    const wait = answer.retryAfterSeconds ? `, Retry-After: ${answer.retryAfterSeconds} s` : '';
    return `${to} 409 Conflict${wait}. Another request with this key is still running; ask again after that many seconds, with the same key.`;
  }
  if (status === 422) {
    return `${to} 422. This key was already used for a different request (another amount); the server refuses rather than guess which one was meant. Nothing was charged.`;
  }
  if (status === 402) return `${to} 402, the card was declined (stored and replayed like any final answer).`;
  if (answer.code === 'timeout' || answer.code === 'error') {
    return `${to} 502 from the gateway. The function never finished (its time limit is ${functionTimeoutSeconds} s); what it did before is in the record.`;
  }
  if (status >= 500) return `${to} ${status}${answer.code ? ` (${answer.code})` : ''}. Nothing was stored for the key; a retry with the same key is safe.`;
  return `${to} ${status}${answer.code ? ` (${answer.code})` : ''}.`;
}
