#!/usr/bin/env node
// Local mode and the integration tests start Amazon's DynamoDB Local, a Java program. Say so
// plainly before anything else fails with a spawn error deep inside. Skipped when
// DYNAMODB_ENDPOINT names a DynamoDB that is already running.
import { spawnSync } from 'node:child_process';

const MIN_JAVA_MAJOR = 11;

if (process.env.DYNAMODB_ENDPOINT?.trim()) process.exit(0);

const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 });
const output = `${result.stderr ?? ''}${result.stdout ?? ''}`;
// `version "17.0.15"`, `version "21"`, or the old `version "1.8.0_392"` scheme.
const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : undefined;

if (result.error || result.status !== 0 || major === undefined || major < MIN_JAVA_MAJOR) {
  const found = result.error
    ? `"java" could not be run (${result.error.code ?? result.error.message})`
    : major !== undefined && major < MIN_JAVA_MAJOR
      ? `found Java ${major}`
      : `"java -version" failed: ${output.trim().split('\n')[0] ?? ''}`;
  console.error(
    [
      `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or later on the PATH: ${found}.`,
      '  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless',
      '  macOS:         brew install openjdk@17',
      'Or point DYNAMODB_ENDPOINT at a DynamoDB Local you already run',
      '(e.g. docker run -p 8000:8000 amazon/dynamodb-local, then DYNAMODB_ENDPOINT=http://127.0.0.1:8000).',
    ].join('\n'),
  );
  process.exit(1);
}
