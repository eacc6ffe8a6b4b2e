import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { SecretKeyStore } from '../../lambda/auth';
import type { AppConfig } from '../../lambda/payments/config';
import type { PaymentProcessor } from '../../lambda/payments/processor';
import { loadPageAssets } from './bundle';
import { OrderBook } from './orders';
import { localProcessor } from './processor';
import { serveDemo } from './routes';
import { DemoKey } from './secret-key';
import { DemoTracker, type DemoStorage } from './tracker';
import { type PaymentRequestSeen, type PaymentWatch, watchPayment, watchRedrive } from './watch';

export { isDemoPath } from './routes';
export { DEMO_TENANT } from './secret-key';
export type { PaymentRequestSeen, PaymentWatch } from './watch';

export interface LocalDemoOptions {
  /** The emulated function timeout: the page tells how long a crashed run holds its key. */
  functionTimeoutSeconds: number;
  /** Where the demo's own lines go (local mode's log). @default nowhere */
  log?: (line: string) => void;
}

/**
 * `GET /demo`: a checkout page that shows the double click, the reload and the lost answer
 * against the real payments function, with fault switches that act on the demo's own orders only.
 * Local mode only: nothing here is part of the stack, and no code under lambda/ knows of it.
 */
export interface LocalDemo {
  /** Serves a request whose path `isDemoPath`. */
  serve(req: IncomingMessage, res: ServerResponse, method: string, rawPath: string): Promise<void>;
  /** A POST /payments, once its body is read: the watch of a demo order's payment, else undefined. */
  watchPayment(seen: PaymentRequestSeen): PaymentWatch | undefined;
  /** Local mode's processor with the demo's switches (undefined with Stripe, which createPaymentsApp builds). */
  processor(config: AppConfig, client: DynamoDBClient): PaymentProcessor | undefined;
  /** The recovery worker's re-drive, told in the timeline of a demo order it finishes. */
  watchRedrive<R extends { tenant: string; idempotencyKey: string }, A extends { statusCode: number }>(
    redrive: (record: R, context: Context) => Promise<A>,
  ): (record: R, context: Context) => Promise<A>;
  /** The table and its key store, once local mode has them; the page's endpoints wait for them. */
  attach(storage: DemoStorage & { keys: SecretKeyStore }): void;
  /** Local mode is stopping: the page's secret key (secret-key.ts) is revoked. */
  stop(): Promise<void>;
}

export function createLocalDemo(options: LocalDemoOptions): LocalDemo {
  const log = options.log ?? (() => {});
  const { functionTimeoutSeconds } = options;
  const orders = new OrderBook();
  const tracker = new DemoTracker(functionTimeoutSeconds);
  const key = new DemoKey();
  // Bundled now, while DynamoDB Local starts, so the first GET /demo does not wait for esbuild.
  const assets = loadPageAssets();
  return {
    serve: (req, res, method, rawPath) => serveDemo(req, res, method, rawPath, { orders, tracker, key, assets, log }),
    watchPayment: (seen) => watchPayment(seen, { orders, tracker, functionTimeoutSeconds, log }),
    processor: (config, client) =>
      localProcessor(config, client, { orders, tracker, configuredLatencyMs: config.processor.latencyMs, functionTimeoutSeconds }),
    watchRedrive: (redrive) => watchRedrive(redrive, { orders, tracker }),
    attach: (storage) => {
      tracker.attach(storage);
      key.attach(storage.keys);
    },
    stop: () => key.revoke(),
  };
}
