import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stdoutLine } from '../observability/stdout';
import { createAuthorizer } from './authorizer';
import { DynamoSecretKeyStore } from './key-store';

// The edge: the environment is read once, the client created once per container. The role of this
// function may only GetItem key items (auth#key#…) of the table; it never writes.
const tableName = process.env.TABLE_NAME;
if (!tableName) throw new Error('TABLE_NAME is not set');
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined }));

/** The Lambda entry point of the REQUEST authorizer. */
export const handler = createAuthorizer({ store: new DynamoSecretKeyStore(client, tableName), log: stdoutLine });
