/**
 * Stripe's v1 request encoding, as stripe-node writes it: `application/x-www-form-urlencoded`
 * with brackets for nesting (`metadata[tenant]=acme`) and indices for arrays
 * (`payment_method_types[0]=card`). Every leaf is a string, as on the wire.
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Segments that would reach Object.prototype: dropped, never assigned. */
const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

function decode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/** `a[b][0]` -> ['a', 'b', '0']; `a[]` gives an empty segment, read as "append". */
function segmentsOf(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const rest = [...key.slice(open).matchAll(/\[([^\]]*)\]/g)].map((match) => match[1] ?? '');
  return [key.slice(0, open), ...rest];
}

function assign(target: FormObject, segments: string[], value: string): void {
  let node: FormObject = target;
  segments.forEach((segment, index) => {
    const name = segment === '' ? String(Object.keys(node).length) : segment;
    if (UNSAFE_SEGMENTS.has(name)) return;
    if (index === segments.length - 1) {
      node[name] = value;
      return;
    }
    const next = node[name];
    if (typeof next !== 'object' || Array.isArray(next)) node[name] = {};
    node = node[name] as FormObject;
  });
}

/** Objects whose keys are exactly 0..n-1 were arrays on the client's side. */
function arraysOf(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((key) => [key, arraysOf(value[key] as FormValue)]));
  const isList = keys.length > 0 && keys.every((key, index) => key === String(index));
  return isList ? keys.map((key) => converted[key] as FormValue) : converted;
}

export function parseForm(body: string): FormObject {
  const parsed: FormObject = {};
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const equals = pair.indexOf('=');
    const key = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decode(pair.slice(equals + 1));
    assign(parsed, segmentsOf(key), value);
  }
  return arraysOf(parsed) as FormObject;
}

/** Key order does not make two requests different: the same parameters, however sent, compare equal. */
export function canonicalJson(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as FormValue)}`).join(',')}}`;
}
