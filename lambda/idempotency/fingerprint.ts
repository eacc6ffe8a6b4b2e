import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth and no whitespace: two bodies that differ only in
 * key order or formatting have the same canonical form. Array order is kept (it carries meaning).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** The body in canonical form when it is JSON, else the raw text (compared byte for byte). */
function canonicalBody(body: string | null): string {
  if (body === null || body === '') return '';
  try {
    return `json:${canonicalJson(JSON.parse(body))}`;
  } catch {
    return `raw:${body}`;
  }
}

/**
 * What makes two requests "the same request" for one key: method, path and canonical body.
 * Hashed so the stored record stays small whatever the body size.
 */
export function requestFingerprint(method: string, path: string, body: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([method.toUpperCase(), path, canonicalBody(body)]))
    .digest('hex');
}
