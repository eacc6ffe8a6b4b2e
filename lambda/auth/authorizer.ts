import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authorizationValues } from './headers';
import type { SecretKeyLookup } from './key-store';
import type { Compare } from './secret-keys';
import { type Verification, verifyBearer } from './verify';

/**
 * The API Gateway REQUEST authorizer of every payments method: the bearer key to an IAM policy
 * whose principal is the tenant. The function reads the tenant from
 * `requestContext.authorizer.tenant` and from nowhere else.
 *
 * Per-tenant throttling stays at the gateway. With the API's key source set to AUTHORIZER,
 * API Gateway takes the usage-plan API key from the `usageIdentifierKey` returned here (a
 * caller's `x-api-key` header is ignored), and the usage plan throttles that key. The scheme:
 * - each tenant has one such value, generated with its first secret key (40 random hex
 *   digits), kept on its tenant item and copied onto each of its key items, so this one GetItem
 *   returns it and both keys of a rotation share the tenant's throttle;
 * - it is no credential: nobody sends it, API Gateway only counts requests by it;
 * - for the usage plan to know it, it is registered once per tenant as an API Gateway API key
 *   with that value, attached to the plan: `npm run keys -- create` on a deployed table prints
 *   the two `aws apigateway` commands when it creates a tenant's first key. Until then the
 *   gateway answers that tenant's requests with 403.
 * A key item without one (none is made so) gets no usageIdentifierKey, and the gateway refuses it.
 */

/**
 * What the Allow covers: every payments route of the stage, not only the method asked for.
 * API Gateway caches the policy for the Authorization value and applies it to the next requests
 * of any method; a policy naming only `POST /payments` would deny the same key's `GET` that follows.
 */
export const AUTHORIZED_PATHS = ['payments', 'payments/*'] as const;

/** `arn:aws:execute-api:<region>:<account>:<api id>/<stage>` of a method ARN (`…/<stage>/<METHOD>/<path>`). */
const STAGE_ARN = /^(arn:[^/]+\/[^/]+)\//;

/**
 * The `message` of the authorizer's decision lines: one JSON object a line straight to stdout, so
 * the function's JSON log format leaves them as they are. The stack's metric filters match them
 * (infra/constructs/authorizer-log-metrics.ts).
 */
export const AuthorizerLogMessage = { Failed: 'authorizer failed', Unauthorized: 'unauthorized', Authorized: 'authorized' } as const;

/** The authorizer's context: strings only, as API Gateway requires; the function's one source of the tenant. */
export interface AuthorizerContext {
  tenant: string;
  keyId: string;
  [name: string]: string;
}

export interface AuthorizerOptions {
  store: SecretKeyLookup;
  /** One JSON line per decision (never the header). @default nowhere */
  log?: (line: string) => void;
  /** @default crypto.timingSafeEqual */
  compare?: Compare;
}

export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * Refusals throw `Error('Unauthorized')`: the one answer API Gateway turns into its UNAUTHORIZED
 * response (401; the stack makes it problem+json with `WWW-Authenticate: Bearer`). Any other
 * failure (DynamoDB unreachable) throws as it is, which API Gateway answers with a 500 that it
 * does not cache, rather than a 401 that would tell a valid client its key is bad.
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const log = options.log ?? (() => {});
  return async (event) => {
    const startedEpochMs = Date.now();
    let verification: Verification;
    try {
      verification = await verifyBearer(authorizationValues(event.headers, event.multiValueHeaders), options.store, { compare: options.compare });
    } catch (error) {
      log(JSON.stringify({ level: 'error', message: AuthorizerLogMessage.Failed, ...requestFields(event), error: `${(error as Error).name}: ${(error as Error).message}` }));
      throw error;
    }
    const durationMs = Date.now() - startedEpochMs;
    if (!verification.ok) {
      log(JSON.stringify({ level: 'warn', message: AuthorizerLogMessage.Unauthorized, ...requestFields(event), reason: verification.reason, keyId: verification.keyId, durationMs }));
      throw new Error('Unauthorized');
    }
    log(JSON.stringify({ level: 'info', message: AuthorizerLogMessage.Authorized, ...requestFields(event), tenant: verification.tenant, keyId: verification.keyId, durationMs }));
    return allowPolicy(event.methodArn, verification);
  };
}

function allowPolicy(methodArn: string, verified: Extract<Verification, { ok: true }>): APIGatewayAuthorizerResult {
  const stage = STAGE_ARN.exec(methodArn)?.[1];
  const resources = stage ? AUTHORIZED_PATHS.map((path) => `${stage}/*/${path}`) : [methodArn];
  const context: AuthorizerContext = { tenant: verified.tenant, keyId: verified.keyId };
  return {
    principalId: verified.tenant,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }] },
    context,
    ...(verified.usageIdentifierKey ? { usageIdentifierKey: verified.usageIdentifierKey } : {}),
  };
}

/** Names only: the route template and API Gateway's request id, never a header value. */
function requestFields(event: APIGatewayRequestAuthorizerEvent) {
  return { route: `${event.httpMethod} ${event.resource}`, apiRequestId: event.requestContext?.requestId };
}
