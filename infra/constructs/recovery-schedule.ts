import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AWS_RECOVERY_INTERVAL_SECONDS } from '../../lambda/recovery/sweep';

const RECOVERY_RATE = Duration.seconds(AWS_RECOVERY_INTERVAL_SECONDS);

/**
 * Under the rate, so two sweeps rarely overlap (if they do, fencing keeps them apart: each record
 * is taken over by one of them), and long enough for several re-drives of a payment's timeout each.
 */
export const RECOVERY_TIMEOUT = Duration.seconds(55);

/** Runs the recovery worker on a schedule, with no retry of a failed sweep (the next one comes in a minute). */
export class RecoverySchedule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: { function: lambda.IFunction }) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Every', {
      description: 'Recovery sweep of in-progress payments whose lease lapsed',
      schedule: events.Schedule.rate(RECOVERY_RATE),
    });
    this.rule.addTarget(new targets.LambdaFunction(props.function, { retryAttempts: 0 }));
  }
}
