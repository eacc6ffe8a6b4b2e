import type { RunningDynamoDb } from '../../local/dynamodb-local';
import { findLeaks, LOG_CAPTURE_DIR_VARIABLE } from './log-capture';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dynamo?: RunningDynamoDb }).__dynamo?.stop();
  // Logs never hold secrets, card data or bodies: every line the run wrote is checked.
  const dir = process.env[LOG_CAPTURE_DIR_VARIABLE];
  if (!dir) return;
  const leaks = findLeaks(dir);
  if (leaks.length > 0) {
    const shown = leaks.slice(0, 20).map((leak) => `  ${leak.what}: ${leak.line}`).join('\n');
    throw new Error(`${leaks.length} logged line(s) hold what logs must never hold (copies in ${dir}):\n${shown}`);
  }
}
