import { createServer, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to one request. Every fault but `reset-before-forward` lets the server act,
 * which is the case a retrying client must survive: the payment went through, the answer did not.
 */
export const Fault = {
  /** Forward the request and the answer untouched. */
  Pass: 'pass',
  /** Reset the client's connection (TCP RST) before forwarding: the server never sees the request. */
  ResetBeforeForward: 'reset-before-forward',
  /** Forward the full request, wait for the server's full answer, then destroy the client's socket. */
  DropAfterResponse: 'drop-after-response',
  /** Forward, wait for the answer, then hold it until the client gives up (its timeout) and closes. */
  Stall: 'stall',
} as const;
export type Fault = (typeof Fault)[keyof typeof Fault];

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The Idempotency-Key header as the client sent it, if any. */
  idempotencyKey: string | undefined;
  fault: Fault;
  /** What the server answered, when the request reached it. */
  upstreamStatus?: number;
}

export interface FlakyProxy {
  /** e.g. `http://127.0.0.1:40123`: point the client here instead of at the server. */
  url: string;
  /** Every request the proxy received, in order, with what it did to it. */
  requests: ProxiedRequest[];
  /** Queues faults for the next requests, one each, in order; later requests pass. */
  failNext(...faults: Fault[]): void;
  close(): Promise<void>;
}

/** Headers that describe one hop's connection, not the message: never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends the request upstream on a fresh connection and reads the whole answer. */
function forward(upstream: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method, path, headers: { ...endToEnd(headers), 'content-length': body.length }, agent: false },
      (incoming) => {
        readAll(incoming).then((answer) => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: answer }), reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

/**
 * A test-only HTTP proxy on loopback that breaks chosen requests the ways a real network does.
 * It works per request, not per connection, so keep-alive in the client changes nothing.
 */
export async function startFlakyProxy(upstreamUrl: string): Promise<FlakyProxy> {
  const upstream = new URL(upstreamUrl);
  const queue: Fault[] = [];
  const requests: ProxiedRequest[] = [];

  const server = createServer((req, res) => {
    const fault = queue.shift() ?? Fault.Pass;
    const key = req.headers['idempotency-key'];
    const entry: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', idempotencyKey: Array.isArray(key) ? key[0] : key, fault };
    requests.push(entry);
    if (fault === Fault.ResetBeforeForward) {
      req.socket.resetAndDestroy();
      return;
    }
    void (async () => {
      const body = await readAll(req);
      const answer = await forward(upstream, entry.method, entry.path, req.headers, body);
      entry.upstreamStatus = answer.status;
      if (fault === Fault.DropAfterResponse) {
        req.socket.destroy();
        return;
      }
      if (fault === Fault.Stall) {
        // Nothing is written: the client's own timeout ends the exchange and closes the socket.
        if (!req.socket.destroyed) await new Promise((resolve) => req.socket.once('close', resolve));
        return;
      }
      res.writeHead(answer.status, { ...endToEnd(answer.headers), 'content-length': answer.body.length });
      res.end(answer.body);
    })().catch(() => {
      // The upstream failed (it is being shut down): the client sees a dropped connection.
      req.socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (...faults) => queue.push(...faults),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
