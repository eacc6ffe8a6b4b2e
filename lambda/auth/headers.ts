import { AUTHORIZATION_HEADER } from './config';

/**
 * Every Authorization value of a request, whatever the case of the header's name, for
 * verifyBearer (which refuses two different ones). From an API Gateway event: its `headers`
 * (last value per spelling) and `multiValueHeaders` (all of them).
 */
export function authorizationValues(
  headers: Record<string, string | undefined> | null | undefined,
  multiValueHeaders?: Record<string, string[] | undefined> | null,
): string[] {
  const name = AUTHORIZATION_HEADER.toLowerCase();
  const values: string[] = [];
  for (const [header, list] of Object.entries(multiValueHeaders ?? {})) if (header.toLowerCase() === name) values.push(...(list ?? []));
  for (const [header, value] of Object.entries(headers ?? {})) if (header.toLowerCase() === name && value !== undefined) values.push(value);
  return values;
}

/** The same from Node's `req.rawHeaders` (`[name, value, name, value, …]`), for local mode. */
export function authorizationValuesOfRawHeaders(rawHeaders: readonly string[]): string[] {
  const name = AUTHORIZATION_HEADER.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values;
}
