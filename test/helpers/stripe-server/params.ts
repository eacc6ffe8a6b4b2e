import { invalidRequest, missingParam } from './errors';
import type { FormObject, FormValue } from './form';
import type { Metadata } from './objects';

/**
 * Reading form parameters the way Stripe validates them: every failure is a 400
 * `invalid_request_error` naming the `param` (codes from https://docs.stripe.com/error-codes).
 */
export function rejectUnknown(params: FormObject, known: readonly string[]): void {
  const unknown = Object.keys(params).find((name) => !known.includes(name));
  if (unknown) throw invalidRequest(`Received unknown parameter: ${unknown}`, { param: unknown, code: 'parameter_unknown' });
}

export function optionalString(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, { param: name, code: 'parameter_invalid_string' });
  return value;
}

export function optionalInteger(params: FormObject, name: string): number | undefined {
  const text = optionalString(params, name);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw invalidRequest(`Invalid integer: ${text}`, { param: name, code: 'parameter_invalid_integer' });
  }
  return Number(text);
}

export function requiredInteger(params: FormObject, name: string): number {
  const value = optionalInteger(params, name);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: FormObject, name: string): boolean | undefined {
  const text = optionalString(params, name);
  if (text === undefined) return undefined;
  if (text !== 'true' && text !== 'false') throw invalidRequest(`Invalid boolean: ${text}`, { param: name });
  return text === 'true';
}

export function stringList(params: FormObject, name: string): string[] | undefined {
  const value: FormValue | undefined = params[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidRequest(`Invalid array`, { param: name, code: 'parameter_invalid_array' });
  }
  return value as string[];
}

/** Metadata limits from https://docs.stripe.com/metadata: 50 keys, keys up to 40 characters, values up to 500. */
export function metadataOf(params: FormObject): Metadata {
  const value = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid hash', { param: 'metadata' });
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', { param: 'metadata' });
  for (const [key, item] of entries) {
    if (typeof item !== 'string') throw invalidRequest('Invalid string', { param: `metadata[${key}]` });
    if (key.length > 40) throw invalidRequest('Metadata keys can be at most 40 characters long.', { param: `metadata[${key}]` });
    if (item.length > 500) throw invalidRequest('Metadata values can be at most 500 characters long.', { param: `metadata[${key}]` });
  }
  return Object.fromEntries(entries) as Metadata;
}

/**
 * The currencies this server accepts (a subset of https://docs.stripe.com/currencies), with the
 * documented minimum charge in the smallest unit where one is listed.
 */
export const CURRENCY_MINIMUM: Readonly<Record<string, number>> = {
  usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, chf: 50, jpy: 50, nzd: 50, sgd: 50, hkd: 400, dkk: 250, nok: 300, sek: 300, mxn: 1000, pln: 200, czk: 1500, brl: 50, inr: 50,
};

/** "The amount value supports up to eight digits" (PaymentIntent object). */
export const MAX_AMOUNT = 99_999_999;

export function currencyOf(params: FormObject): string {
  const text = optionalString(params, 'currency');
  if (text === undefined) throw missingParam('currency');
  const currency = text.toLowerCase();
  if (!Object.prototype.hasOwnProperty.call(CURRENCY_MINIMUM, currency)) {
    throw invalidRequest(`Invalid currency: ${text}. Stripe currently supports these currencies: ${Object.keys(CURRENCY_MINIMUM).join(', ')}`, { param: 'currency' });
  }
  return currency;
}

/** A positive integer in the smallest currency unit; the range is checked once the currency is known. */
export function amountOf(params: FormObject): number {
  const amount = requiredInteger(params, 'amount');
  if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', { param: 'amount', code: 'parameter_invalid_integer' });
  return amount;
}

export function checkAmountRange(amount: number, currency: string): void {
  const minimum = CURRENCY_MINIMUM[currency] ?? 1;
  if (amount < minimum) throw invalidRequest(`Amount must be at least ${minimum} ${currency} (in the smallest currency unit)`, { param: 'amount', code: 'amount_too_small' });
  if (amount > MAX_AMOUNT) throw invalidRequest(`Amount must be no more than ${MAX_AMOUNT} ${currency} (in the smallest currency unit)`, { param: 'amount', code: 'amount_too_large' });
}
