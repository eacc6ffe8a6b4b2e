/**
 * What every input is checked for before a schema sees it, and the one way a schema's verdict
 * becomes a field-level 400: for bodies, direct payloads and events alike.
 */
// zod/mini rather than zod: classic zod does not tree-shake (its methods hang off classes), and
// took the bundled function from about 70 KB to 466 KB: cold-start time on every new container.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.cjs';
import { badRequest, type FieldError } from './errors';

// zod/mini ships without messages; English ones for every check we do not word ourselves. The
// CommonJS build of the locale, so jest, tsx and esbuild load it alike.
z.config(en());

/**
 * Deepest nesting of objects and arrays accepted in a body or payload. A payment is 2 levels
 * deep; the bound is checked without recursion so nothing recursive (zod, JSON.stringify, the
 * canonical JSON of fingerprints) ever sees a value deep enough to exhaust the stack.
 */
export const MAX_JSON_DEPTH = 32;

/** String.prototype.isWellFormed is ES2024 (Node 20 has it; the project's lib is ES2022). */
export const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
/** A lone surrogate is stored by DynamoDB but breaks every later read of the item (e.g. a scan). */
export const WELL_FORMED_RULE = 'must not contain lone surrogates (unpaired UTF-16 code units, e.g. \\udc00)';

/** A container met in the walk, with where it sits (its path is built only for an error). */
interface Container {
  value: object;
  key: string | number;
  parent: Container | undefined;
  depth: number;
}

function fieldOf(container: Container | undefined, lastKey?: string | number): string {
  const keys: (string | number)[] = lastKey === undefined ? [] : [lastKey];
  for (let at = container; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.').slice(0, 200);
}

/**
 * The first thing in a JSON value that schema checks must never meet: nesting deeper than
 * MAX_JSON_DEPTH or, unless `strings: 'any'`, a string or object key that is not well-formed.
 * Iterative (an explicit stack), so a 20,000-deep value, or a cycle, is just a loop that stops.
 */
export function jsonHazard(root: unknown, options: { strings?: 'well-formed' | 'any' } = {}): FieldError | undefined {
  const checkStrings = options.strings !== 'any';
  if (checkStrings && typeof root === 'string' && !isWellFormed(root)) return { field: '', message: WELL_FORMED_RULE };
  // Only containers go on the stack; strings are checked where they are met.
  const stack: Container[] = [];
  if (typeof root === 'object' && root !== null) stack.push({ value: root, key: '', parent: undefined, depth: 1 });
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.depth > MAX_JSON_DEPTH) return { field: fieldOf(node), message: `is nested more than ${MAX_JSON_DEPTH} levels deep` };
    const keys = Array.isArray(node.value) ? undefined : Object.keys(node.value);
    const count = keys ? keys.length : (node.value as unknown[]).length;
    for (let i = 0; i < count; i++) {
      const key = keys ? keys[i]! : i;
      const child: unknown = (node.value as Record<string | number, unknown>)[key];
      if (checkStrings && keys && !isWellFormed(key as string)) return { field: fieldOf(node), message: `has a key that ${WELL_FORMED_RULE}` };
      if (typeof child === 'string') {
        if (checkStrings && !isWellFormed(child)) return { field: fieldOf(node, key), message: WELL_FORMED_RULE };
      } else if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, key, parent: node, depth: node.depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * Parses with a schema or throws a 400 listing every field that is wrong. The value is first
 * checked for what a schema must never meet (see jsonHazard): `strings: 'any'` skips the
 * well-formedness of strings, for values whose strings are checked where they are used.
 */
export function parseOrThrow<T>(
  schema: z.ZodMiniType<T>,
  value: unknown,
  code: 'invalid_request' | 'invalid_event' | 'invalid_payload',
  what: string,
  options: { strings?: 'well-formed' | 'any' } = {},
): T {
  const hazard = jsonHazard(value, options);
  if (hazard) throw invalid(code, what, [hazard]);
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  throw invalid(
    code,
    what,
    result.error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message })),
  );
}

function invalid(code: 'invalid_request' | 'invalid_event' | 'invalid_payload', what: string, errors: FieldError[]) {
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  return badRequest(code, `The ${what} is invalid: ${summary}`, errors);
}
