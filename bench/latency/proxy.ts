import { spawn } from 'node:child_process';
import { Agent, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What AWS adds to a request, by operation, in ms: the p50 a Lambda function sees for a small item
 * in its own Region, less the ~1 ms DynamoDB Local takes on loopback, which still comes on top.
 * Reads sit below writes (a write waits for a replica quorum); TransactWriteItems, for which AWS
 * publishes no figure, is assumed at three single writes. The sources are cited where the report
 * prints this table (bench/report/RESULTS.template.md, "Ranking with the latency model").
 */
export const AWS_LATENCY_MS: Readonly<Record<string, number>> = { GetItem: 4, PutItem: 6, UpdateItem: 6, DeleteItem: 6, Query: 5, TransactWriteItems: 18 };

/** The operation a DynamoDB JSON request names: `X-Amz-Target: DynamoDB_20120810.PutItem`. */
export function operationOf(target: string | string[] | undefined): string {
  return String(target ?? '').split('.').pop() ?? '';
}

/** Table set-up and anything not modelled passes without delay. */
export const modelledDelayMs = (operation: string) => AWS_LATENCY_MS[operation] ?? 0;

/** `endpoint`: point a DynamoDB client here instead of at DynamoDB Local. */
export interface LatencyProxy {
  endpoint: string;
  close(): void;
}

/**
 * Starts the proxy in a process of its own, so its work does not queue on the event loop of the
 * handlers being timed; it exits when this process does (its IPC channel closes).
 */
export function startLatencyProxy(upstream: string): Promise<LatencyProxy> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, upstream], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`latency proxy exited with ${code}`)));
    child.once('message', (port) => resolve({ endpoint: `http://127.0.0.1:${port}`, close: () => child.kill() }));
  });
}

/**
 * Forwards each request to `upstream`, holding it for half the operation's figure before and
 * half after (the two legs of a round trip). Bodies are small JSON: buffered whole.
 */
async function serve(upstream: URL): Promise<number> {
  const agent = new Agent({ keepAlive: true });
  const read = async (stream: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const forward = (incoming: IncomingMessage, body: Buffer) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const headers = { ...incoming.headers, host: upstream.host };
      request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers, agent }, resolve)
        .once('error', reject)
        .end(body);
    });
  const server = createServer(async (incoming, outgoing) => {
    try {
      const halfMs = modelledDelayMs(operationOf(incoming.headers['x-amz-target'])) / 2;
      const body = await read(incoming);
      await sleep(halfMs);
      const answer = await forward(incoming, body);
      const answerBody = await read(answer);
      await sleep(halfMs);
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers).end(answerBody);
    } catch {
      // The client sees a dropped connection, as it would from a network fault; the SDK retries.
      outgoing.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

if (require.main === module) {
  process.once('disconnect', () => process.exit(0));
  void serve(new URL(process.argv[2]!)).then((port) => process.send!(port));
}
