import type { ServerResponse } from 'node:http';
import { problemOf, problemType } from '../lambda/http/problems';

/**
 * The answers the emulated API Gateway gives on its own (no route, no valid secret key, body too large,
 * function timed out or failed): RFC 9457 documents from the same catalogue as the function's,
 * so a client sees one error format whoever answered.
 */
export const GatewayProblem = {
  NotFound: problemOf('not_found'),
  Unauthorized: problemOf('unauthorized'),
  BadRequest: problemOf('bad_request'),
  PayloadTooLarge: problemOf('payload_too_large'),
  InternalError: problemOf('internal_error'),
  BadGateway: problemOf('bad_gateway'),
  GatewayTimeout: problemOf('gateway_timeout'),
} as const;

export type GatewayProblemKind = (typeof GatewayProblem)[keyof typeof GatewayProblem];

export function sendProblem(
  res: ServerResponse,
  problem: GatewayProblemKind,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ type: problemType(problem.code), title: problem.title, status: problem.status, detail, code: problem.code });
  res.writeHead(problem.status, {
    ...headers,
    'Content-Type': 'application/problem+json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A JSON answer of the Lambda service API (`x-amzn-ErrorType` names the error for SDKs and the CLI). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) ?? 'null';
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
