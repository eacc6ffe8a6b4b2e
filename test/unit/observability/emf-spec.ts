/**
 * The CloudWatch Embedded Metric Format specification as checks, written from its text: a root
 * `_aws` with `Timestamp` (epoch ms) and `CloudWatchMetrics` directives, each with a `Namespace`,
 * `Dimensions` (sets of dimension names, up to 30 each) and `Metrics` (`Name`, optional `Unit`
 * from CloudWatch's list, optional `StorageResolution`); every referenced dimension and metric a
 * top-level member, dimensions strings and metrics numbers (or arrays of up to 100 numbers).
 */
export const CLOUDWATCH_UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isName = (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= 1024 && value.trim().length > 0;

/** Every way `document` departs from the specification; empty when it is a valid EMF document. */
export function emfProblems(document: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(document)) return ['the document is not a JSON object'];
  const aws = document._aws;
  if (!isObject(aws)) return ['no _aws object'];
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp) || aws.Timestamp < 1e12 || aws.Timestamp > 1e13) {
    problems.push('_aws.Timestamp must be an integer number of milliseconds since the epoch');
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) return [...problems, '_aws.CloudWatchMetrics must be an array'];
  aws.CloudWatchMetrics.forEach((directive: unknown, i) => {
    const at = `CloudWatchMetrics[${i}]`;
    if (!isObject(directive)) return void problems.push(`${at} is not an object`);
    if (!isName(directive.Namespace)) problems.push(`${at}.Namespace must be a non-blank string of 1..1024 characters`);
    if (!Array.isArray(directive.Dimensions)) problems.push(`${at}.Dimensions must be an array of dimension sets`);
    else {
      directive.Dimensions.forEach((set: unknown, j) => {
        if (!Array.isArray(set)) return void problems.push(`${at}.Dimensions[${j}] is not an array`);
        if (set.length > 30) problems.push(`${at}.Dimensions[${j}] has ${set.length} dimensions, more than 30`);
        for (const name of set) {
          if (typeof name !== 'string') problems.push(`${at}.Dimensions[${j}] holds a non-string`);
          else if (!(name in document)) problems.push(`dimension ${name} is not a top-level member`);
          else if (typeof document[name] !== 'string' || (document[name] as string).length === 0 || (document[name] as string).length > 1024) {
            problems.push(`dimension ${name} must have a string value of 1..1024 characters`);
          }
        }
      });
    }
    if (!Array.isArray(directive.Metrics)) return void problems.push(`${at}.Metrics must be an array`);
    if (directive.Metrics.length > 100) problems.push(`${at}.Metrics has more than 100 metrics`);
    const seen = new Set<string>();
    directive.Metrics.forEach((metric: unknown, j) => {
      if (!isObject(metric) || !isName(metric.Name)) return void problems.push(`${at}.Metrics[${j}].Name must be a non-blank string`);
      const name = metric.Name as string;
      if (seen.has(name)) problems.push(`${at} defines metric ${name} twice`);
      seen.add(name);
      if (metric.Unit !== undefined && !CLOUDWATCH_UNITS.has(metric.Unit as string)) problems.push(`metric ${name} has unit ${String(metric.Unit)}, not one of CloudWatch's`);
      if (metric.StorageResolution !== undefined && metric.StorageResolution !== 1 && metric.StorageResolution !== 60) {
        problems.push(`metric ${name} has StorageResolution ${String(metric.StorageResolution)}, not 1 or 60`);
      }
      const value = document[name];
      const numbers = Array.isArray(value) ? value : [value];
      if (!(name in document)) problems.push(`metric ${name} is not a top-level member`);
      else if (numbers.length === 0 || numbers.length > 100 || !numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) {
        problems.push(`metric ${name} must be a number or an array of 1..100 numbers`);
      }
    });
  });
  return problems;
}

/** The value of `metric` in the document, and the dimension sets it is published under. */
export function metricIn(document: Record<string, any>, metric: string): { value: unknown; unit: string; dimensionSets: string[][] } | undefined {
  for (const directive of document._aws.CloudWatchMetrics) {
    const definition = directive.Metrics.find((m: { Name: string }) => m.Name === metric);
    if (definition) return { value: document[metric], unit: definition.Unit, dimensionSets: directive.Dimensions };
  }
  return undefined;
}
