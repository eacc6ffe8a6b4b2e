import { readFileSync } from 'node:fs';

/** CPU time used so far, in ms: this Node process, and DynamoDB Local's JVM (when /proc shows it). */
export interface CpuReading {
  nodeMs: number;
  dynamoMs: number | undefined;
}

/** Linux reports a process's CPU in clock ticks of 1/100 s on every mainstream kernel. */
const MS_PER_TICK = 10;

/**
 * Reads CPU time of this process and of DynamoDB Local. On a saturated 2-core machine both share
 * the same cores, so the CPU one API request costs on either side is what bounds throughput.
 */
export function cpuReader(dynamoPid: number | undefined): () => CpuReading {
  return () => {
    const { user, system } = process.cpuUsage();
    return { nodeMs: (user + system) / 1000, dynamoMs: dynamoPid === undefined ? undefined : jvmCpuMs(dynamoPid) };
  };
}

function jvmCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}
