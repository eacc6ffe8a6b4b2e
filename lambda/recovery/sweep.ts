import { RECORDS_LAYOUT } from '../shared/table';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { DynamoDbRecoveryStore } from '../idempotency/recovery-store';
import type { createPaymentsApp } from '../payments/app';
import type { AppConfig } from '../payments/config';
import { backoffFrom, recoverDue, type RecoverySummary } from './worker';

/**
 * How often the stack's schedule sweeps, in seconds: EventBridge's finest rate. A record whose
 * holder died waits at most its lease plus this (and a sweep) before recovery finishes it.
 */
export const AWS_RECOVERY_INTERVAL_SECONDS = 60;

export interface SweepDeps {
  app: Pick<ReturnType<typeof createPaymentsApp>, 'redrive'>;
  documentClient: DynamoDBDocumentClient;
  config: AppConfig;
  /** How often sweeps run, in ms: a failed attempt waits one interval, then doubling. */
  intervalMs: number;
  /** @default Date.now */
  now?: () => number;
  log?: (line: Record<string, unknown>) => void;
}

/**
 * One recovery sweep as local mode's timer and the scheduled Lambda run it. Each re-drive gets a
 * payments function's time at most (its lease and processor deadline follow from that), and no
 * re-drive starts that could not finish before the invocation's own deadline.
 */
export function createRecoverySweep(deps: SweepDeps): (deadlineEpochMs?: number) => Promise<RecoverySummary> {
  const now = deps.now ?? Date.now;
  const store = new DynamoDbRecoveryStore({ documentClient: deps.documentClient, tableName: deps.config.tableName, layout: RECORDS_LAYOUT });
  const attemptMs = deps.config.functionTimeoutSeconds * 1000;
  return (deadlineEpochMs = Number.POSITIVE_INFINITY) =>
    recoverDue({
      store,
      redrive: (record) => deps.app.redrive(record, contextUntil(Math.min(deadlineEpochMs, now() + attemptMs), now)),
      windowMs: deps.config.recovery.windowSeconds * 1000,
      backoffMs: backoffFrom(deps.intervalMs),
      stopAtEpochMs: deadlineEpochMs - attemptMs,
      now,
      log: deps.log,
    });
}

/** The part of a Lambda context the payments chain reads: how long it may still run. */
function contextUntil(deadlineEpochMs: number, now: () => number): Context {
  return { getRemainingTimeInMillis: () => Math.max(0, deadlineEpochMs - now()), awsRequestId: 'recovery' } as Context;
}
