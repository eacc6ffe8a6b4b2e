/**
 * CloudWatch Embedded Metric Format: one JSON document per line on stdout, from which CloudWatch
 * Logs extracts the metrics. The names here are the contract with the stack's alarms and
 * dashboard (infra/constructs/monitoring.ts imports them), defined once.
 */
export const METRICS_NAMESPACE = 'IdempotentPayments';

/** The `Service` dimension's values: one per function of the product. */
export const Service = { Payments: 'payments', Recovery: 'recovery', Webhooks: 'webhooks' } as const;

/** Dimensions: each has a handful of values at most. Never a tenant, a key or an id. */
export const Dimension = { Service: 'Service', Outcome: 'Outcome', ErrorKind: 'ErrorKind' } as const;

export const MetricName = {
  /** One per invocation, by outcome. */
  Requests: 'Requests',
  /** The invocation's duration as the handler saw it, ms. */
  Latency: 'Latency',
  ColdStart: 'ColdStart',
  /** Each processor call's duration, ms. */
  ProcessorLatency: 'ProcessorLatency',
  /** Processor calls that failed, also by ErrorKind. */
  ProcessorErrors: 'ProcessorErrors',
  /** Charges the processor declined: answers, not errors. */
  ProcessorDeclines: 'ProcessorDeclines',
  /** Per recovery sweep: records found due, and what became of them. */
  RecoveryDue: 'RecoveryDue',
  Recovered: 'Recovered',
  RecoveryFailed: 'RecoveryFailed',
  NeedsAttention: 'NeedsAttention',
  /** A gauge per sweep: records that need attention now, however long ago they were marked. */
  NeedsAttentionStanding: 'NeedsAttentionStanding',
  RecoverySkipped: 'RecoverySkipped',
  /** A sweep that threw before it finished. */
  RecoverySweepErrors: 'RecoverySweepErrors',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** The units this product uses, spelled as CloudWatch's list spells them. */
export const MetricUnit = { Count: 'Count', Milliseconds: 'Milliseconds' } as const;
export type MetricUnit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface MetricValue {
  name: MetricName;
  unit: MetricUnit;
  /** Several values of one metric in one document are an array (EMF allows up to 100). */
  value: number | number[];
}

/** Metrics published under the same dimension sets (each set is one metric per name in CloudWatch). */
export interface MetricGroup {
  dimensionSets: string[][];
  metrics: MetricValue[];
}

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [member: string]: unknown;
}

/** EMF's limit on the dimensions of one dimension set. */
export const MAX_DIMENSIONS_PER_SET = 30;

type Directives = EmfDocument['_aws']['CloudWatchMetrics'];

/** Directives by shape: an invocation's document takes one of a handful, built and checked once each. */
const directivesByShape = new Map<string, Directives>();

/**
 * One EMF document: every dimension and metric a top-level member, as the format requires;
 * `properties` ride along as plain log fields (not metrics) for Logs Insights. A caller that names
 * the `shape` (the same namespace, dimension sets and metric names every time it names it) has the
 * directives reused rather than rebuilt.
 */
export function emfDocument(input: {
  namespace: string;
  timestampMs: number;
  dimensions: Record<string, string>;
  groups: MetricGroup[];
  properties?: Record<string, unknown>;
  shape?: string;
}): EmfDocument {
  const cached = input.shape === undefined ? undefined : directivesByShape.get(input.shape);
  const directives = cached ?? directivesOf(input.namespace, input.groups, input.dimensions);
  if (input.shape !== undefined && !cached) directivesByShape.set(input.shape, directives);
  const document: EmfDocument = { _aws: { Timestamp: Math.round(input.timestampMs), CloudWatchMetrics: directives } };
  Object.assign(document, input.properties, input.dimensions);
  for (const group of input.groups) for (const metric of group.metrics) document[metric.name] = metric.value;
  return document;
}

function directivesOf(namespace: string, groups: MetricGroup[], dimensions: Record<string, string>): Directives {
  const published = groups.filter((group) => group.metrics.length > 0);
  for (const group of published) {
    for (const set of group.dimensionSets) {
      if (set.length > MAX_DIMENSIONS_PER_SET) throw new Error(`an EMF dimension set has at most ${MAX_DIMENSIONS_PER_SET} dimensions`);
      for (const name of set) if (typeof dimensions[name] !== 'string') throw new Error(`EMF dimension ${name} has no value`);
    }
  }
  return published.map((group) => ({
    Namespace: namespace,
    Dimensions: group.dimensionSets,
    Metrics: group.metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
  }));
}

export const count = (name: MetricName, value = 1): MetricValue => ({ name, unit: MetricUnit.Count, value });
export const milliseconds = (name: MetricName, value: number | number[]): MetricValue => ({
  name,
  unit: MetricUnit.Milliseconds,
  value: Array.isArray(value) ? (value.length === 1 ? round(value[0]!) : value.slice(0, 100).map(round)) : round(value),
});

/** Durations to a tenth of a millisecond: finer is noise, and shorter lines cost less to ingest. */
export const round = (ms: number) => Math.round(ms * 10) / 10;
