import type { ServerResponse } from 'node:http';
import { problemType } from '../lambda/http/problem';

/**
 * The answers the emulated API Gateway gives on its own (no route, no API key, body too large,
 * function timed out or failed): RFC 9457 documents like the ones the function writes, so a
 * client sees one error format whoever answered.
 */
export const GatewayProblem = {
  NotFound: { status: 404, code: 'not_found', title: 'Not Found' },
  Forbidden: { status: 403, code: 'forbidden', title: 'Forbidden' },
  BadRequest: { status: 400, code: 'bad_request', title: 'Bad Request' },
  PayloadTooLarge: { status: 413, code: 'payload_too_large', title: 'Payload Too Large' },
  InternalError: { status: 500, code: 'internal_error', title: 'Internal Server Error' },
  BadGateway: { status: 502, code: 'bad_gateway', title: 'Bad Gateway' },
  GatewayTimeout: { status: 504, code: 'gateway_timeout', title: 'Gateway Timeout' },
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
