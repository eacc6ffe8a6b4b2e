import { z } from 'zod';
import { badRequest, type FieldError } from '../http/errors';

/** Card tokens the simulated processor knows; anything else is a 400 before any charge. */
export const CardToken = { Visa: 'tok_visa', Declined: 'tok_chargeDeclined' } as const;

const MAX_METADATA_KEYS = 20;
/** Metadata keys are plain identifiers: no brackets, no `__proto__` games, nothing to escape. */
const METADATA_KEY = /^[A-Za-z0-9_.-]{1,40}$/;

export const CreatePaymentBody = z.strictObject({
  amount: z.number().int('must be an integer (minor units)').min(1).max(99_999_999),
  currency: z.string().regex(/^[a-z]{3}$/, 'must be three lowercase letters, e.g. "usd"'),
  source: z.enum([CardToken.Visa, CardToken.Declined], {
    error: `must be a card token: "${CardToken.Visa}" or "${CardToken.Declined}"`,
  }),
  customer: z.string().min(1).max(255).nullish(),
  description: z.string().max(500).nullish(),
  metadata: z
    .unknown()
    // JSON.parse keeps a "__proto__" key as an own property, but the record schema drops it
    // silently; reject it instead of storing something other than what was sent.
    .refine((value) => !(value && typeof value === 'object' && Object.hasOwn(value, '__proto__')), {
      message: 'keys must be 1-40 letters, digits, "_", "-" or "."',
    })
    .pipe(
      z
        .record(z.string().regex(METADATA_KEY, 'keys must be 1-40 letters, digits, "_", "-" or "."'), z.string().max(500))
        .refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, `must have at most ${MAX_METADATA_KEYS} keys`),
    )
    .optional(),
});
export type CreatePaymentInput = z.infer<typeof CreatePaymentBody>;

const Tenant = z.string().min(1).max(256);

/** The payload of `aws lambda invoke`, per the SPEC's "Direct invocation". */
export const DirectPayload = z.discriminatedUnion('operation', [
  z.strictObject({
    operation: z.literal('createPayment'),
    idempotencyKey: z.string().optional(),
    tenant: Tenant.optional(),
    payment: z.unknown().optional(),
  }),
  z.strictObject({
    operation: z.literal('getPayment'),
    id: z.string().min(1).max(256),
    tenant: Tenant.optional(),
  }),
]);
export type DirectPayload = z.infer<typeof DirectPayload>;

/** Parses with a schema or throws a 400 listing every field that is wrong. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, code: string, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  throw badRequest(code, `The ${what} is invalid: ${summary}`, errors);
}
