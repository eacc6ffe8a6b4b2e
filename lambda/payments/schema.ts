// zod/mini rather than zod: classic zod does not tree-shake (its methods hang off classes), and
// took the bundled function from about 70 KB to 466 KB: cold-start time on every new container.
import * as z from 'zod/mini';
import { isWellFormed, WELL_FORMED_RULE } from '../http/parse';
import { CardToken } from './simulated-processor';


const MAX_METADATA_KEYS = 20;
/** Metadata keys are plain identifiers: no brackets, no `__proto__` games, nothing to escape. */
const METADATA_KEY = /^[A-Za-z0-9_.-]{1,40}$/;
const METADATA_KEY_RULE = 'keys must be 1-40 letters, digits, "_", "-" or "."';

const Metadata = z.pipe(
  // JSON.parse keeps a "__proto__" key as an own property, but a record schema drops it
  // silently; refuse it instead of storing something other than what was sent.
  z.unknown().check(z.refine((value) => !(value && typeof value === 'object' && Object.hasOwn(value, '__proto__')), METADATA_KEY_RULE)),
  z
    .record(z.string().check(z.regex(METADATA_KEY, METADATA_KEY_RULE)), z.string().check(z.maxLength(500)))
    .check(z.refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, `must have at most ${MAX_METADATA_KEYS} keys`)),
);

/** A Stripe PaymentMethod id, e.g. `pm_card_visa` or one made by Stripe.js; Stripe checks it exists. */
const PAYMENT_METHOD_ID = /^pm_[A-Za-z0-9_]{1,100}$/;

const testToken = z.enum([CardToken.Visa, CardToken.Declined], `must be a card token: "${CardToken.Visa}" or "${CardToken.Declined}"`);
const tokenOrPaymentMethod = z.string().check(
  z.refine(
    (source) => source === CardToken.Visa || source === CardToken.Declined || PAYMENT_METHOD_ID.test(source),
    `must be a card token ("${CardToken.Visa}", "${CardToken.Declined}") or a payment method id (pm_…)`,
  ),
);

const paymentFields = (source: typeof testToken | typeof tokenOrPaymentMethod) =>
  z.strictObject({
    amount: z.number().check(z.int('must be an integer (minor units)'), z.minimum(1), z.maximum(99_999_999)),
    currency: z.string().check(z.regex(/^[a-z]{3}$/, 'must be three lowercase letters, e.g. "usd"')),
    source,
    customer: z.nullish(z.string().check(z.minLength(1), z.maxLength(255))),
    description: z.nullish(z.string().check(z.maxLength(500))),
    metadata: z.optional(Metadata),
  });

/**
 * The body of POST /payments, normalized: per the SPEC a null customer or description and empty
 * metadata are the same as leaving them out, so they are dropped here and the fingerprint of the
 * validated body cannot tell the two spellings apart. `pm_…` sources only for a processor that
 * takes them (Stripe); the simulator knows its two test tokens.
 */
export const createPaymentBody = (options: { paymentMethodIds: boolean }) =>
  z.pipe(
    paymentFields(options.paymentMethodIds ? tokenOrPaymentMethod : testToken),
    z.transform(({ customer, description, metadata, ...required }) => ({
      ...required,
      ...(customer != null && { customer }),
      ...(description != null && { description }),
      ...(metadata !== undefined && Object.keys(metadata).length > 0 && { metadata }),
    })),
  );

/** The body with the simulator's test tokens only. */
export const CreatePaymentBody = createPaymentBody({ paymentMethodIds: false });
export type CreatePaymentInput = z.output<typeof CreatePaymentBody>;

/**
 * Bound on a tenant's JSON-encoded size. The record's key is a fixed-size digest, but the tenant
 * is stored whole in the record and in the payments index's partition key,
 * JSON.stringify([tenant, shard]), which DynamoDB caps at 2048 bytes; 512 bytes keeps both small.
 * The 256-character limit stays too: the tenant goes into Stripe metadata (values up to 500).
 */
export const MAX_TENANT_ENCODED_BYTES = 512;
export const MAX_TENANT_LENGTH = 256;

export const Tenant = z.string().check(
  z.minLength(1),
  z.maxLength(MAX_TENANT_LENGTH),
  z.refine(isWellFormed, WELL_FORMED_RULE),
  z.refine((tenant) => Buffer.byteLength(JSON.stringify(tenant), 'utf8') <= MAX_TENANT_ENCODED_BYTES, `must be at most ${MAX_TENANT_ENCODED_BYTES} bytes once JSON-encoded`),
);

/** The payload of `aws lambda invoke`, per the SPEC's "Direct invocation"; `tenant` is required (v2). */
export const DirectPayload = z.discriminatedUnion('operation', [
  z.strictObject({
    operation: z.literal('createPayment'),
    idempotencyKey: z.optional(z.string()),
    tenant: Tenant,
    payment: z.optional(z.unknown()),
  }),
  z.strictObject({
    operation: z.literal('getPayment'),
    id: z.string().check(z.minLength(1), z.maxLength(256)),
    tenant: Tenant,
  }),
  z.strictObject({
    operation: z.literal('listPayments'),
    tenant: Tenant,
    limit: z.optional(z.number()),
    startingAfter: z.optional(z.string()),
  }),
]);

/** Bounds of `GET /payments?limit=`, as Stripe's lists have them. */
export const LIST_LIMIT = { min: 1, max: 100, default: 10 } as const;


export type DirectPayload = z.infer<typeof DirectPayload>;

const StringMap = z.nullish(z.record(z.string(), z.optional(z.string())));
const StringListMap = z.nullish(z.record(z.string(), z.nullish(z.array(z.string()))));

/**
 * The parts of a REST API (v1) proxy event the function reads, with the types API Gateway gives
 * them (maps and body may be null). Anything else is kept unread. Checked because a direct
 * invoker can send any JSON shaped like one.
 */
export const ProxyEvent = z.looseObject({
  httpMethod: z.string().check(z.regex(/^[A-Za-z]{1,20}$/, 'must be an HTTP method, e.g. "POST"')),
  resource: z.nullish(z.string()),
  path: z.string().check(z.minLength(1)),
  headers: StringMap,
  multiValueHeaders: StringListMap,
  queryStringParameters: StringMap,
  multiValueQueryStringParameters: StringListMap,
  pathParameters: StringMap,
  body: z.nullish(z.string()),
  isBase64Encoded: z.nullish(z.boolean()),
  // The REQUEST authorizer's context (lambda/auth/authorizer.ts): the one source of the tenant.
  requestContext: z.optional(z.looseObject({ authorizer: z.nullish(z.looseObject({ tenant: z.nullish(z.string()) })) })),
});
export type ProxyEvent = z.infer<typeof ProxyEvent>;
