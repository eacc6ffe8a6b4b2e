import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { createCaptureDir, LOG_CAPTURE_DIR_VARIABLE } from './log-capture';

/**
 * One in-memory DynamoDB Local for the whole run; each test file makes its own table in it.
 * The endpoint reaches the test workers through the environment they inherit.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env[LOG_CAPTURE_DIR_VARIABLE] ??= createCaptureDir();
  if (process.env.DYNAMODB_ENDPOINT) return;
  const dynamo = await startDynamoDbLocal();
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __dynamo?: typeof dynamo }).__dynamo = dynamo;
}
