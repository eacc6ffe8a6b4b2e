import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { KeyPrefix, TableSchema } from '../../lambda/shared/table';

/**
 * Test-only fault injection into the DynamoDB client the function uses. Never part of the shipped
 * handler: a test builds a client with `faultyClient` and hands it to the driver.
 */

/** The requests the payments function makes, told apart by operation and key prefix. */
export const Step = {
  Claim: 'claim',
  Takeover: 'takeover',
  Charge: 'charge',
  Complete: 'complete',
  Release: 'release',
  Read: 'read',
  Other: 'other',
} as const;
export type Step = (typeof Step)[keyof typeof Step];

export type Fault =
  /** The request never reaches DynamoDB; this error comes back instead. */
  | { kind: 'error'; error: () => Error }
  /** The request reaches DynamoDB and is applied; its answer is lost and this error comes back. */
  | { kind: 'lost-answer'; error?: () => Error }
  /** The request waits for `until` before it is sent (a slow network, a paused container). */
  | { kind: 'delay'; until: Promise<unknown> };

export interface FaultRule {
  step: Step;
  fault: Fault;
  /** How many attempts it affects; SDK retries are attempts too. @default every attempt */
  times?: number;
}

export interface FaultInjector {
  /** Adds a rule. The first rule for a request's step with attempts left applies. */
  inject(rule: FaultRule): void;
  clear(): void;
  /** Attempts per step as the wire saw them: a call the SDK retried counts once per attempt. */
  readonly attempts: Record<Step, number>;
  /** The faults that fired, in order. */
  readonly fired: { step: Step; kind: Fault['kind'] }[];
}

/** Errors shaped as the SDK builds them from DynamoDB's answers, so its retry strategy classifies them alike. */
export const DynamoErrors = {
  throughputExceeded: () =>
    new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput was exceeded (injected)', $metadata: { httpStatusCode: 400 } }),
  throttling: () => new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput (injected)', $metadata: { httpStatusCode: 400 } }),
  internalServerError: () => new InternalServerError({ message: 'Internal server error (injected)', $metadata: { httpStatusCode: 500 } }),
  /** DynamoDB refusing a request as invalid (an item too large, a bad value): no retry fixes it. */
  validation: () =>
    Object.assign(new Error('One or more parameter values were invalid (injected)'), {
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    }),
  /** What the SDK's HTTP handler throws when the socket times out waiting for the answer. */
  socketTimeout: () => Object.assign(new Error('Connection timed out after 1000 ms (injected)'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
  /** A transaction DynamoDB cancelled because one of its items was throttled (the SDK does not retry it). */
  transactionThrottled: () =>
    new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError, None] (injected)',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'ThrottlingError', Message: 'Throttling error: Request rate is too high' }, { Code: 'None' }],
    }),
} as const;

type Marshalled = Record<string, { S?: string } | undefined> | undefined;
const pkOf = (item: Marshalled) => item?.[TableSchema.partitionKey]?.S ?? '';

/**
 * Which step a request is. The store's three UpdateItems are told apart by the placeholders each
 * one alone uses: a takeover sets `:newToken`, a completion `:response`, a release neither.
 */
export function stepOf(operation: string, input: Record<string, any>): Step {
  switch (operation) {
    case 'PutItem': {
      const pk = pkOf(input.Item);
      if (pk.startsWith(KeyPrefix.Charge)) return Step.Charge;
      return pk.startsWith(KeyPrefix.Idempotency) ? Step.Claim : Step.Other;
    }
    case 'UpdateItem': {
      if (!pkOf(input.Key).startsWith(KeyPrefix.Idempotency)) return Step.Other;
      const values = input.ExpressionAttributeValues ?? {};
      if (':newToken' in values) return Step.Takeover;
      return ':response' in values ? Step.Complete : Step.Release;
    }
    case 'TransactWriteItems':
      return Step.Complete;
    case 'GetItem':
      return Step.Read;
    default:
      return Step.Other;
  }
}

/**
 * Adds the injecting middleware to a client. It sits in the finalizeRequest step at low
 * priority, inside the SDK's retry loop (finalizeRequest, high): every attempt passes through it,
 * and an error it throws is classified and retried by the SDK like one from the network.
 */
export function injectFaults(client: DynamoDBClient): FaultInjector {
  const rules: (FaultRule & { left: number })[] = [];
  const attempts = Object.fromEntries(Object.values(Step).map((step) => [step, 0])) as Record<Step, number>;
  const fired: FaultInjector['fired'] = [];

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const step = stepOf(operation, (args as { input: Record<string, any> }).input);
      attempts[step] += 1;
      const rule = rules.find((r) => r.step === step && r.left > 0);
      if (!rule) return next(args);
      rule.left -= 1;
      fired.push({ step, kind: rule.fault.kind });
      const fault = rule.fault;
      if (fault.kind === 'error') throw fault.error();
      if (fault.kind === 'delay') {
        await fault.until;
        return next(args);
      }
      // Applied or refused by DynamoDB, the answer never arrives.
      await next(args).catch(() => undefined);
      throw (fault.error ?? DynamoErrors.socketTimeout)();
    },
    { step: 'finalizeRequest', priority: 'low', name: 'testFaultInjection' },
  );

  return {
    inject: (rule) => rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY }),
    clear: () => void rules.splice(0),
    attempts,
    fired,
  };
}

export interface FaultyClient {
  client: DynamoDBClient;
  faults: FaultInjector;
}

/**
 * A DynamoDB client for the run's DynamoDB Local with faults injectable, and the SDK's standard
 * retry strategy cut to `maxAttempts` attempts 5 ms apart, so a test sees every retry quickly.
 */
export function faultyClient(maxAttempts = 3): FaultyClient {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through jest');
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, 5),
  });
  return { client, faults: injectFaults(client) };
}
