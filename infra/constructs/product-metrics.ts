import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Dimension, METRICS_NAMESPACE, MetricName } from '../../lambda/observability/metrics';
import { AWS_RECOVERY_INTERVAL_SECONDS } from '../../lambda/recovery/sweep';

/** What the alarms and the dashboard (monitoring.ts, monitoring-dashboard.ts) both read. */

export const FIVE_MINUTES = Duration.minutes(5);
/** One recovery sweep each: the standing gauge has a value per sweep. */
export const RECOVERY_PERIOD = Duration.seconds(AWS_RECOVERY_INTERVAL_SECONDS);

/** The operations the product sends to its table. */
export const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

export function metric(metricName: string, dimensionsMap: Record<string, string>, period = FIVE_MINUTES, options: cloudwatch.MetricOptions = {}) {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, statistic: cloudwatch.Stats.SUM, period, ...options });
}

/** A metric of the product's own, by service only. */
export const product = (metricName: string, service: string, period = FIVE_MINUTES, options: cloudwatch.MetricOptions = {}) =>
  metric(metricName, { [Dimension.Service]: service }, period, options);

/** Requests of one service that ended with this outcome. */
export const requests = (service: string, outcome: string, period = FIVE_MINUTES) =>
  metric(MetricName.Requests, { [Dimension.Service]: service, [Dimension.Outcome]: outcome }, period, { label: outcome });
