import { request } from 'node:http';

/** A request exactly as a fuzzer wants to send it: any method, raw path, repeated headers, any bytes. */
export interface RawRequest {
  method: string;
  /** Sent as is (percent-encoding and all); Node refuses only characters outside 0x21-0xFF. */
  path: string;
  /** Name and value pairs; a name given twice is sent twice. Values are sent as Latin-1 bytes. */
  headers: [string, string][];
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends one request on its own connection. An answer that arrives before the body was fully sent
 * (a 413 on a huge body, with the server closing the connection) counts as the answer.
 */
export function sendRaw(baseUrl: string, raw: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  // The flat rawHeaders form sends each pair as given: repeated names, and names differing in case.
  // (In that form Node adds no Host header itself.)
  const headers = ['Host', url.host, ...raw.headers.flat()];
  if (raw.body) headers.push('Content-Length', String(raw.body.length));
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: url.hostname, port: url.port, method: raw.method, path: raw.path, headers, agent: false, timeout: timeoutMs }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(raw.body);
  });
}
