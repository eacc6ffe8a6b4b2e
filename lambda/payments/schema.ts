// zod/mini rather than zod: classic zod does not tree-shake (its methods hang off classes), and
// took the bundled function from about 70 KB to 466 KB: cold-start time on every new container.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.cjs';
import { badRequest, type FieldError } from '../http/errors';

// zod/mini ships without messages; English ones for every check we do not word ourselves. The
// CommonJS build of the locale, so jest, tsx and esbuild load it alike.
z.config(en());

/** Card tokens the simulated processor knows; anything else is a 400 before any charge. */
export const CardToken = { Visa: 'tok_visa', Declined: 'tok_chargeDeclined' } as const;

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

export const CreatePaymentBody = z.strictObject({
  amount: z.number().check(z.int('must be an integer (minor units)'), z.minimum(1), z.maximum(99_999_999)),
  currency: z.string().check(z.regex(/^[a-z]{3}$/, 'must be three lowercase letters, e.g. "usd"')),
  source: z.enum([CardToken.Visa, CardToken.Declined], `must be a card token: "${CardToken.Visa}" or "${CardToken.Declined}"`),
  customer: z.nullish(z.string().check(z.minLength(1), z.maxLength(255))),
  description: z.nullish(z.string().check(z.maxLength(500))),
  metadata: z.optional(Metadata),
});
export type CreatePaymentInput = z.infer<typeof CreatePaymentBody>;

const Tenant = z.string().check(z.minLength(1), z.maxLength(256));

/** The payload of `aws lambda invoke`, per the SPEC's "Direct invocation". */
export const DirectPayload = z.discriminatedUnion('operation', [
  z.strictObject({
    operation: z.literal('createPayment'),
    idempotencyKey: z.optional(z.string()),
    tenant: z.optional(Tenant),
    payment: z.optional(z.unknown()),
  }),
  z.strictObject({
    operation: z.literal('getPayment'),
    id: z.string().check(z.minLength(1), z.maxLength(256)),
    tenant: z.optional(Tenant),
  }),
]);
export type DirectPayload = z.infer<typeof DirectPayload>;

/** Parses with a schema or throws a 400 listing every field that is wrong. */
export function parseOrThrow<T>(schema: z.ZodMiniType<T>, value: unknown, code: string, what: string): T {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  throw badRequest(code, `The ${what} is invalid: ${summary}`, errors);
}
