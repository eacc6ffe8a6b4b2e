import type { ServerResponse } from 'node:http';
import { problemFor } from '../lambda/http/problem';
import { problemOf } from '../lambda/http/problems';
import type { HttpResponse } from '../lambda/http/types';

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
  writeAnswer(res, problemFor(problem.code, detail, {}, headers));
}

/** Writes an answer built by lambda/http (a problem+json one among them) to a Node response. */
export function writeAnswer(res: ServerResponse, answer: HttpResponse, extraHeaders: Record<string, string> = {}): void {
  // The answer's own headers first and its framing last, the order the docs' transcripts show.
  const { 'Content-Type': contentType, ...headers } = answer.headers;
  res.writeHead(answer.statusCode, { ...extraHeaders, ...headers, ...(contentType ? { 'Content-Type': contentType } : {}), 'Content-Length': Buffer.byteLength(answer.body) });
  res.end(res.req?.method === 'HEAD' ? undefined : answer.body);
}

/** A JSON answer of the Lambda service API (`x-amzn-ErrorType` names the error for SDKs and the CLI). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) ?? 'null';
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
