import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from '../local/dynamodb-local';
import { DEFAULT_RECOVERY_INTERVAL_SECONDS } from '../local/settings';
import { readLiveState, stateFilePath } from '../local/state-file';
import { DEFAULT_TABLE_NAME } from '../lambda/shared/table';
import { AWS_RECOVERY_INTERVAL_SECONDS } from '../lambda/recovery/sweep';
import { OpsError } from './result';

type Env = Record<string, string | undefined>;

/** Which database the CLI talks to, decided from the environment alone (no request made). */
export type Location =
  | { kind: 'endpoint'; endpoint: string; tableName: string }
  | { kind: 'aws'; tableName: string }
  | { kind: 'local-mode'; endpoint: string; tableName: string; pid: number; stateFile: string; recoveryIntervalSeconds: number };

export const NO_DATABASE =
  'No database to inspect: local mode is not running (no live state file at %s). Start it with `npm start`, ' +
  'or set DYNAMODB_ENDPOINT (and TABLE_NAME) for a DynamoDB Local, or TABLE_NAME alone for a deployed table ' +
  '(credentials and region from the usual AWS SDK chain: AWS_PROFILE, AWS_REGION, ...).';

/**
 * An explicit endpoint wins, then an explicit table (a deployed one), then a running local mode:
 * an operator who names a database always gets that one, never whatever happens to be running.
 */
export function locateDatabase(env: Env): Location {
  const endpoint = env.DYNAMODB_ENDPOINT?.trim();
  const tableName = env.TABLE_NAME?.trim();
  if (endpoint) return { kind: 'endpoint', endpoint, tableName: tableName || DEFAULT_TABLE_NAME };
  if (tableName) return { kind: 'aws', tableName };
  const stateFile = stateFilePath(env);
  const live = readLiveState(stateFile);
  if (!live) throw new OpsError(NO_DATABASE.replace('%s', stateFile));
  return {
    kind: 'local-mode',
    endpoint: live.dynamoDbEndpoint,
    tableName: live.tableName,
    pid: live.pid,
    stateFile,
    // Local mode may have recovery off (0): a sweep run from here then backs off by the default.
    recoveryIntervalSeconds: live.recoveryIntervalSeconds || DEFAULT_RECOVERY_INTERVAL_SECONDS,
  };
}

export interface Database {
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** One line naming the database, so an operator sees which table a sweep is about to touch. */
  description: string;
  /**
   * How often the worker serving this table sweeps, in ms: a failed attempt of a sweep run from
   * here backs off as the worker's own would: the stack's schedule, or the running local mode's.
   */
  recoveryIntervalMs: number;
}


export function connect(location: Location): Database {
  // DynamoDB Local accepts any credentials; a deployed table gets the SDK's default chain.
  const client = location.kind === 'aws' ? new DynamoDBClient({}) : localDynamoDbClient(location.endpoint);
  const description =
    location.kind === 'aws'
      ? `table ${location.tableName} in AWS`
      : location.kind === 'endpoint'
        ? `table ${location.tableName} at ${location.endpoint}`
        : `table ${location.tableName} of local mode (pid ${location.pid}) at ${location.endpoint}`;
  const recoveryIntervalSeconds =
    location.kind === 'aws' ? AWS_RECOVERY_INTERVAL_SECONDS : location.kind === 'local-mode' ? location.recoveryIntervalSeconds : DEFAULT_RECOVERY_INTERVAL_SECONDS;
  const recoveryIntervalMs = recoveryIntervalSeconds * 1000;
  return { client, documentClient: DynamoDBDocumentClient.from(client), tableName: location.tableName, description, recoveryIntervalMs };
}
