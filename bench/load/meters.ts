import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts and times (summed wall ms) the DynamoDB requests a client sends, by operation. It sits at the
 * initialize step, like test/helpers/request-counter.ts, so one call counts once however often the SDK retries.
 */
export function meterRequests(client: DynamoDBClient) {
  let counts: Record<string, number> = {};
  let elapsedMs: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[operation] = (counts[operation] ?? 0) + 1;
      const startedMs = performance.now();
      try {
        return await next(args);
      } finally {
        elapsedMs[operation] = (elapsedMs[operation] ?? 0) + performance.now() - startedMs;
      }
    },
    { step: 'initialize', name: 'benchRequestMeter' },
  );
  return {
    snapshot: () => ({ counts: { ...counts }, elapsedMs: { ...elapsedMs } }),
    reset: () => void ([counts, elapsedMs] = [{}, {}]),
  };
}
export type RequestMeter = ReturnType<typeof meterRequests>;

/** CPU time used so far, in ms, by this process and by DynamoDB Local's JVM (when /proc shows it). */
export type CpuReading = { nodeMs: number; dynamoMs: number | undefined };

/** On a saturated 2-core machine both share the cores, so CPU per API request on either side bounds throughput. */
export function cpuReader(dynamoPid: number | undefined): () => CpuReading {
  const jvmCpuMs = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the parenthesised command name: utime and stime are fields 14 and 15, in ticks of 10 ms.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  };
  return () => {
    const { user, system } = process.cpuUsage();
    return { nodeMs: (user + system) / 1000, dynamoMs: dynamoPid === undefined ? undefined : jvmCpuMs(dynamoPid) };
  };
}
