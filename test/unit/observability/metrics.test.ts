import { count, emfDocument, MetricName, milliseconds } from '../../../lambda/observability/metrics';
import { emfProblems } from './emf-spec';

const valid = () =>
  emfDocument({
    namespace: 'IdempotentPayments',
    timestampMs: 1_767_225_600_123.4,
    dimensions: { Service: 'payments', Outcome: 'executed' },
    groups: [
      { dimensionSets: [['Service'], ['Service', 'Outcome']], metrics: [count(MetricName.Requests), milliseconds(MetricName.Latency, 12.345)] },
      { dimensionSets: [['Service']], metrics: [] },
    ],
    properties: { requestId: 'r-1' },
  });

describe('emfDocument', () => {
  test('puts every dimension and metric at the top level beside _aws, with a whole-millisecond timestamp', () => {
    const document = valid();
    expect(document).toEqual({
      _aws: {
        Timestamp: 1_767_225_600_123,
        CloudWatchMetrics: [
          {
            Namespace: 'IdempotentPayments',
            Dimensions: [['Service'], ['Service', 'Outcome']],
            Metrics: [
              { Name: 'Requests', Unit: 'Count' },
              { Name: 'Latency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      Service: 'payments',
      Outcome: 'executed',
      Requests: 1,
      Latency: 12.3,
      requestId: 'r-1',
    });
    expect(emfProblems(document)).toEqual([]);
  });

  test('keeps several values of one metric as an array', () => {
    expect(milliseconds(MetricName.ProcessorLatency, [1.26, 2]).value).toEqual([1.3, 2]);
    expect(milliseconds(MetricName.ProcessorLatency, [4]).value).toBe(4);
  });

  test('refuses a dimension set over 30 dimensions, or a dimension without a value', () => {
    const dimensions = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, 'v']));
    expect(() =>
      emfDocument({ namespace: 'N', timestampMs: Date.now(), dimensions, groups: [{ dimensionSets: [Object.keys(dimensions)], metrics: [count(MetricName.Requests)] }] }),
    ).toThrow(/at most 30/);
    expect(() =>
      emfDocument({ namespace: 'N', timestampMs: Date.now(), dimensions: {}, groups: [{ dimensionSets: [['Service']], metrics: [count(MetricName.Requests)] }] }),
    ).toThrow(/Service has no value/);
  });
});

// The checks the outcome tests rely on must be able to fail.
describe('the EMF specification checks', () => {
  const broken: [string, (d: any) => void, RegExp][] = [
    ['no timestamp', (d) => delete d._aws.Timestamp, /Timestamp/],
    ['a timestamp in seconds', (d) => (d._aws.Timestamp = 1_767_225_600), /Timestamp/],
    ['a blank namespace', (d) => (d._aws.CloudWatchMetrics[0].Namespace = ' '), /Namespace/],
    ['a unit CloudWatch does not know', (d) => (d._aws.CloudWatchMetrics[0].Metrics[1].Unit = 'ms'), /unit ms/],
    ['a metric that is not a top-level member', (d) => delete d.Latency, /Latency is not a top-level member/],
    ['a metric value that is not a number', (d) => (d.Requests = '1'), /Requests must be a number/],
    ['a dimension that is not a top-level member', (d) => delete d.Outcome, /Outcome is not a top-level member/],
    ['a dimension value that is not a string', (d) => (d.Outcome = 3), /Outcome must have a string value/],
    ['over 30 dimensions in a set', (d) => (d._aws.CloudWatchMetrics[0].Dimensions = [Array.from({ length: 31 }, () => 'Service')]), /more than 30/],
    ['a metric defined twice in one directive', (d) => d._aws.CloudWatchMetrics[0].Metrics.push({ Name: 'Requests', Unit: 'Count' }), /twice/],
    ['a storage resolution other than 1 or 60', (d) => (d._aws.CloudWatchMetrics[0].Metrics[0].StorageResolution = 5), /StorageResolution/],
  ];
  test.each(broken)('report %s', (_name, breakIt, problem) => {
    const document = valid();
    breakIt(document);
    expect(emfProblems(document).join('; ')).toMatch(problem);
  });

  test('report a document that is no EMF at all', () => {
    expect(emfProblems({ message: 'invocation' })).toEqual(['no _aws object']);
    expect(emfProblems('{}')).toEqual(['the document is not a JSON object']);
  });
});
