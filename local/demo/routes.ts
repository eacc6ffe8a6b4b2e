import type { IncomingMessage, ServerResponse } from 'node:http';
import { problemFor } from '../../lambda/http/problem';
import type { FixedProblemCode } from '../../lambda/http/problems';
import { writeAnswer } from '../problem';
import { readBody } from '../body';
import type { PageAssets } from './bundle';
import { Fault, isFault, type OrderBook } from './orders';
import type { DemoKey } from './secret-key';
import { Actor } from './timeline';
import type { DemoTracker } from './tracker';

/** Everything under it is the demo's; nothing else is. */
export const DEMO_PATH = '/demo';

export const isDemoPath = (rawPath: string) => rawPath === DEMO_PATH || rawPath.startsWith(`${DEMO_PATH}/`);

export interface RouteDeps {
  orders: OrderBook;
  tracker: DemoTracker;
  key: DemoKey;
  assets: PageAssets;
  log: (line: string) => void;
}

/** The page loads nothing from elsewhere, and nothing else may frame or script it. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const ARMED_TEXT: Record<Fault, string> = {
  [Fault.LoseAnswer]: 'Switch armed: the next successful answer to a payment of this order will be lost on its way to the browser.',
  [Fault.Crash]: 'Switch armed: the next run of the function for this order will stop dead after charging the card, before saving the result.',
};

/** `GET /demo` (the page, its script and style) and the page's own endpoints. */
export async function serveDemo(req: IncomingMessage, res: ServerResponse, method: string, rawPath: string, deps: RouteDeps): Promise<void> {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const segments = path.split('/').slice(2);
  const [first, id, action] = segments;

  if (first === undefined || first === 'app.js' || first === 'app.css') {
    if (method !== 'GET' && method !== 'HEAD') return refuse(req, res, 'method_not_allowed', `${path} is read with GET.`, 'GET');
    req.resume();
    if (first === undefined) return send(res, 200, 'text/html; charset=utf-8', deps.assets.html);
    if (first === 'app.css') return send(res, 200, 'text/css; charset=utf-8', deps.assets.css);
    let script: string;
    try {
      script = await deps.assets.script;
    } catch (error) {
      deps.log(`demo: the page script could not be bundled: ${(error as Error).message}`);
      return problem(res, 'internal_error', `The demo page's script could not be bundled with esbuild (${(error as Error).message}); see local mode's log.`);
    }
    return send(res, 200, 'text/javascript; charset=utf-8', script);
  }

  if (first === 'secret-key' && segments.length === 1) {
    if (method !== 'GET') return refuse(req, res, 'method_not_allowed', `${path} is read with GET.`, 'GET');
    req.resume();
    // A page served from a DNS name could be another site's, rebound to this address: the key is
    // given only to a page that reached local mode by localhost or an IP address.
    if (!isLocalHost(req.headers.host)) return problem(res, 'not_found', `No demo route for ${method} ${path} on this host name; open the demo at http://127.0.0.1:<port>/demo.`);
    const key = await deps.key.get();
    deps.log(`demo: the page took the demo's secret key ${key.keyId} (tenant ${key.tenant})`);
    return sendJson(res, 200, key);
  }

  if (first !== 'orders' || segments.length > 3 || (action !== undefined && action !== 'faults')) {
    return refuse(req, res, 'not_found', `No demo route for ${method} ${path.slice(0, 200)}.`);
  }
  if (id === undefined) {
    if (method !== 'POST') return refuse(req, res, 'method_not_allowed', 'POST /demo/orders creates an order.', 'POST');
    if (!(await jsonBody(req, res))) return;
    const order = deps.orders.create();
    deps.log(`demo: order ${order.id} created, Idempotency-Key ${order.idempotencyKey}`);
    return sendJson(res, 201, await deps.tracker.view(order));
  }
  const order = deps.orders.get(id);
  if (!order) return refuse(req, res, 'not_found', `No demo order ${JSON.stringify(id.slice(0, 64))} (local mode keeps them in memory: was it restarted?).`);
  if (action === undefined) {
    if (method !== 'GET') return refuse(req, res, 'method_not_allowed', `${path} is read with GET.`, 'GET');
    req.resume();
    return sendJson(res, 200, await deps.tracker.view(order));
  }
  if (method !== 'POST') return refuse(req, res, 'method_not_allowed', `POST ${path} arms a fault switch.`, 'POST');
  const body = await jsonBody(req, res);
  if (!body) return;
  const fault = (body.value as { fault?: unknown } | null)?.fault;
  if (!isFault(fault)) return problem(res, 'invalid_request', `Send {"fault": ${Object.values(Fault).map((f) => `"${f}"`).join(' | ')}}.`);
  order.armed.add(fault);
  order.timeline.add(Actor.Fault, ARMED_TEXT[fault]);
  return sendJson(res, 200, { armed: [...order.armed] });
}

/** `localhost`, or an IP address (which no DNS answer can rebind), with an optional port. */
export function isLocalHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  if (name === 'localhost' || /^\[[0-9a-f:.]+\]$/.test(name)) return true;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name);
}

/**
 * A JSON body, or false with the error sent. JSON only: a form on another site cannot send it
 * without a CORS preflight, which this server never grants.
 */
async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<{ value: unknown } | false> {
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    req.resume();
    problem(res, 'unsupported_media_type', 'Send the body as application/json.');
    return false;
  }
  try {
    const text = (await readBody(req, 10_000)).toString('utf8');
    return { value: text.trim() === '' ? null : JSON.parse(text) };
  } catch {
    problem(res, 'invalid_request', 'The body must be JSON, at most 10 kB.');
    return false;
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

function problem(res: ServerResponse, code: FixedProblemCode, detail: string, extraHeaders: Record<string, string> = {}): void {
  writeAnswer(res, problemFor(code, detail, {}, extraHeaders), PAGE_HEADERS);
}

function refuse(req: IncomingMessage, res: ServerResponse, code: FixedProblemCode, detail: string, allow?: string): void {
  req.resume();
  problem(res, code, detail, allow ? { Allow: allow } : {});
}
