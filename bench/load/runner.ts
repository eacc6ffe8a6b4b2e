import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { CpuReading } from '../meter/process-cpu';
import type { MeterSnapshot, RequestMeter } from '../meter/request-meter';
import type { ProxyHandler } from '../variants/types';
import { lambdaContext } from './events';

/** One API request: which handler instance (container) receives which event. */
export interface Shot {
  handler: ProxyHandler;
  event: APIGatewayProxyEvent;
}

export interface RunResult {
  /** Per API request, in send order. */
  latenciesMs: number[];
  /** Answers by outcome: `201`, `201 replayed`, `409`, `422`, ... */
  outcomes: Record<string, number>;
  wallMs: number;
  /** The variant's DynamoDB requests during the run. */
  dynamo: MeterSnapshot;
  /** CPU used during the run, in ms, by this process and by DynamoDB Local. */
  cpu: CpuReading;
}

/** Sends the shots through `concurrency` workers (each sends its next as soon as the last answered). */
export async function runShots(shots: readonly Shot[], concurrency: number, meter: RequestMeter, readCpu: () => CpuReading): Promise<RunResult> {
  const latenciesMs = new Array<number>(shots.length);
  const outcomes: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < shots.length) {
      const index = next++;
      const shot = shots[index]!;
      const startedMs = performance.now();
      const result = await shot.handler(shot.event, lambdaContext());
      latenciesMs[index] = performance.now() - startedMs;
      const outcome = `${result.statusCode}${result.headers?.['Idempotent-Replayed'] === 'true' ? ' replayed' : ''}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  meter.reset();
  const cpuBefore = readCpu();
  const startedMs = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, shots.length) }, worker));
  const wallMs = performance.now() - startedMs;
  const cpuAfter = readCpu();
  const cpu = {
    nodeMs: cpuAfter.nodeMs - cpuBefore.nodeMs,
    dynamoMs: cpuAfter.dynamoMs === undefined || cpuBefore.dynamoMs === undefined ? undefined : cpuAfter.dynamoMs - cpuBefore.dynamoMs,
  };
  return { latenciesMs, outcomes, wallMs, dynamo: meter.snapshot(), cpu };
}
