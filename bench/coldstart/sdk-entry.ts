import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

// The floor of both bundles' init: the AWS SDK modules they load and one client, nothing else.
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async () => ({ client: typeof client, unmarshall: typeof unmarshall });
