import { DEFAULT_PROBLEM_TYPE_PREFIX, type IdempotencyProblemCode, IdempotencyProblems } from '../idempotency/http';

/**
 * Every problem this product answers with, in one place: the function, local mode's emulated
 * gateway and the stack's API Gateway responses build their problem+json from these entries, and
 * docs/errors.md is generated from them (`npm run docs:errors`; a test fails when it drifts).
 */
export interface ProblemDefinition {
  /** The HTTP status; a range for API Gateway's catch-alls, whose status varies. */
  readonly status: number | '4xx' | '5xx';
  /** RFC 9110's reason phrase for the status: the problem's `title`. */
  readonly title: string;
  /** Who answers it: the function, API Gateway (the stack), or local mode standing in for it. */
  readonly by: readonly ('function' | 'gateway' | 'local')[];
  /** When it is answered, for the error table. */
  readonly when: string;
  /** Whether the answer is stored with the key and replayed to retries. */
  readonly stored: string;
  /** What the client does with it. */
  readonly then: string;
}

/** A problem of the idempotency layer: its status and title are the layer's (lambda/idempotency/http.ts). */
const layer = <C extends IdempotencyProblemCode>(code: C) => ({ status: IdempotencyProblems[code].status, title: IdempotencyProblems[code].title });

const FIX = 'fix the request; the key stays free, so the corrected request may reuse it';
const SAME_KEY = 'retry later with the same key';
const NOT_STORED = 'no';

const catalogue = {
  idempotency_key_missing: { ...layer('idempotency_key_missing'), by: ['function', 'gateway'], when: 'a POST without `Idempotency-Key`', stored: NOT_STORED, then: FIX },
  idempotency_key_invalid: {
    ...layer('idempotency_key_invalid'),
    by: ['function'],
    when: 'the key is empty, over 255 characters, not visible ASCII, an sf-string with parameters, or sent twice with different values',
    stored: NOT_STORED,
    then: FIX,
  },
  invalid_json: { status: 400, title: 'Bad Request', by: ['function'], when: 'the body is not JSON', stored: NOT_STORED, then: FIX },
  invalid_request: {
    status: 400,
    title: 'Bad Request',
    by: ['function', 'local'],
    when: 'the body or the query fails its schema (`errors[]` names each field)',
    stored: NOT_STORED,
    then: FIX,
  },
  invalid_body_encoding: { ...layer('invalid_body_encoding'), by: ['function'], when: 'the body is not valid UTF-8 (or not valid base64 when flagged so)', stored: NOT_STORED, then: FIX },
  invalid_payload: {
    status: 400,
    title: 'Bad Request',
    by: ['function'],
    when: 'a direct invocation payload is malformed; or a signed webhook body is not a Stripe event',
    stored: NOT_STORED,
    then: FIX,
  },
  invalid_event: { status: 400, title: 'Bad Request', by: ['function'], when: 'a direct invocation sent a proxy-shaped event with wrong types', stored: NOT_STORED, then: FIX },
  invalid_signature: {
    status: 400,
    title: 'Bad Request',
    by: ['function'],
    when: '`POST /webhooks/stripe` with a missing, wrong or stale (over 5 minutes) `Stripe-Signature`; nothing changes',
    stored: NOT_STORED,
    then: 'Stripe delivers the event again; check the endpoint secret',
  },
  processor_rejected: {
    status: 400,
    title: 'Bad Request',
    by: ['function'],
    when: "Stripe refused the request as invalid (unknown `pm_…`, amount too small, …); `processor_code` and `param` are Stripe's",
    stored: 'yes: retries get the same refusal',
    then: 'fix the request and send it with a new key',
  },
  bad_request: { status: 400, title: 'Bad Request', by: ['local'], when: 'local mode could not parse the request as HTTP/1.1, or its path is not valid percent-encoding', stored: NOT_STORED, then: FIX },
  card_declined: {
    status: 402,
    title: 'Payment Required',
    by: ['function'],
    when: 'the card was declined; the body names the failed `payment` (`processor_code` has Stripe\'s own code when it is not `card_declined`)',
    stored: 'yes: the failed payment is recorded; retries get the same decline',
    then: 'ask for another card: a new payment, with a new key',
  },
  authentication_required: {
    status: 402,
    title: 'Payment Required',
    by: ['function'],
    when: 'with Stripe: the card needs 3-D Secure, which this API does not run; the body names the failed `payment`',
    stored: 'yes, like a decline',
    then: 'ask for another card: a new payment, with a new key',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    by: ['function', 'gateway', 'local'],
    when: 'no `Authorization: Bearer <secret key>`, or a key that is malformed, unknown, revoked or of the other mode (`sk_live_` for `sk_test_`); `WWW-Authenticate: Bearer`; nothing runs',
    stored: NOT_STORED,
    then: 'send a valid secret key (`npm run keys -- list` shows which are active); retrying the same key cannot help',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    by: ['gateway'],
    when: "a verified key whose tenant's usage-plan key is not registered with API Gateway yet (see `npm run keys -- create`), or a policy that denies the method",
    stored: NOT_STORED,
    then: 'an operator registers the tenant (the commands `npm run keys -- create` printed)',
  },
  not_found: {
    status: 404,
    title: 'Not Found',
    by: ['function', 'gateway', 'local'],
    when: 'no such payment for this tenant (another tenant\'s included), or no such route',
    stored: NOT_STORED,
    then: 'check the id or the path',
  },
  method_not_allowed: { status: 405, title: 'Method Not Allowed', by: ['function', 'local'], when: 'a method the path does not serve (`Allow` lists those it does)', stored: NOT_STORED, then: FIX },
  request_in_progress: {
    ...layer('request_in_progress'),
    by: ['function'],
    when: 'the same key and request is still being processed; `Retry-After` is when it is likely done',
    stored: NOT_STORED,
    then: 'retry after `Retry-After` with the same key: the answer is then the stored one',
  },
  payload_too_large: { status: 413, title: 'Payload Too Large', by: ['function', 'gateway', 'local'], when: 'the body is over 64 KiB (the function) or 10 MiB (API Gateway)', stored: NOT_STORED, then: FIX },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported Media Type',
    by: ['function', 'local'],
    when: 'no `Content-Type`, not JSON, or a charset other than utf-8',
    stored: NOT_STORED,
    then: FIX,
  },
  idempotency_key_reused: {
    ...layer('idempotency_key_reused'),
    by: ['function'],
    when: 'the key was first used with another method, path or body (key order, whitespace and null-vs-absent do not count)',
    stored: 'no; the first request\'s record is untouched',
    then: 'a bug: one key for two operations. A new operation gets a new key',
  },
  too_many_requests: { status: 429, title: 'Too Many Requests', by: ['gateway'], when: "over the tenant's (or the webhook route's) rate limit; `Retry-After`", stored: NOT_STORED, then: SAME_KEY },
  headers_too_large: { status: 431, title: 'Request Header Fields Too Large', by: ['local'], when: 'local mode: the headers exceed 16 KB', stored: NOT_STORED, then: FIX },
  internal_error: {
    ...layer('internal_error'),
    by: ['function', 'gateway', 'local'],
    when: 'an unexpected failure (logged; the detail never says more), or a configuration error of API Gateway',
    stored: 'no: the key is released',
    then: SAME_KEY,
  },
  store_rejected: {
    ...layer('store_rejected'),
    by: ['function'],
    when: 'DynamoDB refused a write as invalid or the table is unusable (missing, no permission); no `Retry-After`',
    stored: 'for a payment, no (the record stays IN_PROGRESS with its charge, and recovery flags it); for other results of the layer, yes',
    then: 'an operator must fix the cause; retrying the same request cannot help',
  },
  response_too_large: {
    ...layer('response_too_large'),
    by: ['function'],
    when: 'the result is too large to store in one DynamoDB item (400 KB with its record)',
    stored: 'yes for results of the layer (the key never runs again); a payment is released like `store_rejected`',
    then: 'a bug or a limit to fix',
  },
  processor_misconfigured: {
    status: 500,
    title: 'Internal Server Error',
    by: ['function'],
    when: 'Stripe refused our secret key (bad, revoked, missing permission), or it could not be read (logged)',
    stored: 'no: the key is released, nothing was charged',
    then: `an operator fixes the key; then ${SAME_KEY}`,
  },
  processor_idempotency_error: {
    status: 500,
    title: 'Internal Server Error',
    by: ['function'],
    when: "Stripe's `idempotency_error`: our Stripe key was seen with other parameters (logged)",
    stored: 'no: the key is released',
    then: 'an operator investigates: the payment may exist at Stripe under that key',
  },
  processor_window_passed: {
    status: 500,
    title: 'Internal Server Error',
    by: ['function'],
    when: "a retry of a payment first tried more than 23 h ago, when Stripe may have forgotten our key (it keeps keys at least 24 h): the payment is not sent again (logged)",
    stored: 'no: the record stays IN_PROGRESS and recovery flags it as needing attention',
    then: 'an operator checks Stripe for the payment (its metadata names our tenant, key and payment id)',
  },
  webhook_misconfigured: {
    status: 500,
    title: 'Internal Server Error',
    by: ['function'],
    when: '`POST /webhooks/stripe` with no webhook signing secret configured (logged)',
    stored: NOT_STORED,
    then: 'Stripe delivers the event again; set `STRIPE_WEBHOOK_SECRET` (or the secret\'s field)',
  },
  processor_unavailable: {
    status: 502,
    title: 'Bad Gateway',
    by: ['function'],
    when: 'the processor failed, was rate limited, or did not answer before the invocation\'s deadline; `Retry-After`',
    stored: 'no: the key is released, its execution id kept',
    then: `${SAME_KEY}: it reaches the same charge`,
  },
  bad_gateway: {
    status: 502,
    title: 'Bad Gateway',
    by: ['gateway', 'local'],
    when: 'the function crashed, timed out (10 s in the stack) or answered something API Gateway cannot read',
    stored: 'the function may have charged; its record waits for its lease to lapse',
    then: SAME_KEY,
  },
  store_unavailable: {
    ...layer('store_unavailable'),
    by: ['function'],
    when: "DynamoDB did not answer after the SDK's retries; `Retry-After`",
    stored: 'no; the outcome is unknown (after a claim nothing was done; after a charge the completing write may have failed)',
    then: `${SAME_KEY}: it finds out without charging twice`,
  },
  payment_not_committed: {
    status: 503,
    title: 'Service Unavailable',
    by: ['function'],
    when: '`POST /webhooks/stripe`: the event is about a payment still being created',
    stored: 'no: the event id is released',
    then: 'Stripe delivers the event again later',
  },
  gateway_timeout: { status: 504, title: 'Gateway Timeout', by: ['gateway', 'local'], when: "no answer within API Gateway's 29 s (rare: the function stops at 10 s)", stored: 'the function may still be running', then: SAME_KEY },
  request_rejected: {
    status: '4xx',
    title: 'Request Rejected',
    by: ['gateway'],
    when: 'any other refusal of API Gateway\'s own (its status only in the status line)',
    stored: NOT_STORED,
    then: 'read `detail`',
  },
  gateway_error: {
    status: '5xx',
    title: 'Gateway Error',
    by: ['gateway'],
    when: "any other failure of API Gateway's own (its status only in the status line)",
    stored: 'unknown',
    then: SAME_KEY,
  },
} as const satisfies Record<string, ProblemDefinition>;

export type ProblemCode = keyof typeof catalogue;

/** A problem with a fixed status: what the function and local mode can answer with. */
export type FixedProblemCode = { [C in ProblemCode]: (typeof catalogue)[C]['status'] extends number ? C : never }[ProblemCode];

export const PROBLEMS: Readonly<Record<ProblemCode, ProblemDefinition>> = catalogue;

/** The status and title of a problem with a fixed status. */
export function problemOf(code: FixedProblemCode): { code: FixedProblemCode; status: number; title: string } {
  const { status, title } = PROBLEMS[code];
  return { code, status: status as number, title };
}

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEMS, code);


/** The problem `type` URI for a code. */
export const problemType = (code: ProblemCode) => `${DEFAULT_PROBLEM_TYPE_PREFIX}${code}`;
