import fc from 'fast-check';
import type middy from '@middy/core';
import { HttpError } from '../../lambda/http/errors';
import type { HttpRequest } from '../../lambda/http/types';
import { CreatePaymentBody } from '../../lambda/payments/schema';
import { validateJsonBody } from '../../lambda/http/json-body';
import { bodyWith, type Field, FIELDS, invalidValues, unknownField, validPaymentBody } from '../helpers/payment-arbitraries';
import { FUZZ_SEED, scaled, suiteResults } from '../helpers/reliability';

// The full run (RELIABILITY_FULL=1) takes minutes, not seconds.
jest.setTimeout(scaled(60_000, 900_000));

// Body validation as a property: what the SPEC's field table allows always passes; breaking any
// one rule is always a 400 that names the field that broke it.
const RUNS = scaled(300, 5_000);
const validate = validateJsonBody(CreatePaymentBody);

/** Runs the validation middleware on a raw body; returns the parsed body or the error it threw. */
function check(body: string): { parsed?: unknown; error?: HttpError } {
  const event = { method: 'POST', path: '/payments', headers: { 'content-type': 'application/json' }, pathParameters: {}, body, tenant: 't' } as HttpRequest;
  try {
    validate.before!({ event } as unknown as middy.Request<HttpRequest>);
    return { parsed: event.parsedBody };
  } catch (error) {
    if (error instanceof HttpError) return { error };
    throw error;
  }
}

const fieldErrors = (error: HttpError | undefined) => (error?.extensions.errors ?? []) as { field: string; message: string }[];
const tried: Record<string, number> = {};

const results = suiteResults('body-validation');
results.add({ seed: FUZZ_SEED, runsPerProperty: RUNS, bodiesTried: tried });

test('every payment the SPEC allows passes validation and comes out as sent, null and empty optional fields dropped', results.checked(() => {
  let count = 0;
  fc.assert(
    fc.property(validPaymentBody, (body) => {
      count++;
      const { parsed, error } = check(JSON.stringify(body));
      expect(error).toBeUndefined();
      const { customer, description, metadata, ...required } = body as Record<string, any>;
      expect(parsed).toEqual({
        ...required,
        ...(customer != null && { customer }),
        ...(description != null && { description }),
        ...(metadata && Object.keys(metadata).length > 0 && { metadata }),
      });
    }),
    { seed: FUZZ_SEED, numRuns: RUNS },
  );
  tried.valid = count;
}));

test.each(FIELDS)('breaking only %s is a 400 invalid_request whose errors all name that field', results.checked((field: Field) => {
  let count = 0;
  fc.assert(
    fc.property(validPaymentBody, invalidValues[field], (body, value) => {
      count++;
      const { error } = check(bodyWith(body, field, value));
      expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
      const errors = fieldErrors(error);
      expect(errors.length).toBeGreaterThan(0);
      for (const { field: named } of errors) expect(named === field || named.startsWith(`${field}.`)).toBe(true);
      expect(error!.detail).toContain(field);
    }),
    { seed: FUZZ_SEED, numRuns: RUNS },
  );
  tried[`invalid ${field}`] = count;
}));

test('an unknown field, prototype-polluting names included, is a 400 naming that field', results.checked(() => {
  let count = 0;
  fc.assert(
    fc.property(validPaymentBody, unknownField, (body, [name, value]) => {
      count++;
      const { error } = check(bodyWith(body, name, value));
      expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
      expect(fieldErrors(error).some((e) => e.message.includes(JSON.stringify(name)))).toBe(true);
      expect(Object.keys(Object.prototype)).toEqual([]); // nothing leaked onto every object
    }),
    { seed: FUZZ_SEED, numRuns: RUNS },
  );
  tried['unknown field'] = count;
}));

test('a body that is not a JSON object is a 400, never an exception', results.checked(() => {
  let count = 0;
  const notAnObject = fc.oneof(fc.string(), fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v)));
  fc.assert(
    fc.property(notAnObject, (body) => {
      count++;
      const { parsed, error } = check(body);
      expect(parsed).toBeUndefined();
      expect(error?.status).toBe(400);
      expect(['invalid_json', 'invalid_request']).toContain(error?.code);
    }),
    { seed: FUZZ_SEED, numRuns: RUNS },
  );
  tried['not an object'] = count;
}));
