import { Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { IDEMPOTENCY_KEY_HEADER } from '../../lambda/idempotency/key';
import { Resource, ROUTES } from '../../lambda/shared/routes';
import { STRIPE_WEBHOOK_PATH } from '../../lambda/stripe/webhook';
import { addProblemResponses } from './problem-responses';

/** The API's one stage: the version is in the URL, so a breaking v2 can live beside it. */
export const API_STAGE_NAME = 'v1';

/** Per-key request rate (requests per second) and burst (bucket size) of the usage plan. */
export interface ApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * 50 rps with bursts of 100 per tenant (its usage-plan key, named by the authorizer, shared by all
 * its secret keys): far above what one merchant's checkout sends, low enough that a runaway client
 * cannot exhaust the account's Lambda concurrency for everyone else.
 */
export const DEFAULT_THROTTLE: ApiThrottle = { rateLimit: 50, burstLimit: 100 };

/**
 * Stripe's deliveries to POST /webhooks/stripe, for the whole stage: Stripe sends events in
 * bursts after an outage; past this it gets a 429 and delivers again later.
 */
export const WEBHOOK_THROTTLE: ApiThrottle = { rateLimit: 25, burstLimit: 50 };

export interface PaymentsApiProps {
  readonly handler: lambda.IFunction;
  /** Verifies the bearer key of every payments method and names its tenant (KeyAuthorizer). */
  readonly authorizer: apigw.IAuthorizer;
  /** The function behind POST /webhooks/stripe (no bearer key: Stripe signs its requests). @default no webhook route */
  readonly webhookHandler?: lambda.IFunction;
  /** Applied to the access and execution log groups. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** @default DEFAULT_THROTTLE */
  readonly throttle?: ApiThrottle;
}

/**
 * The REST API: POST /payments, GET /payments and GET /payments/{id}, proxied to the function.
 * Every payments method goes through the secret-key authorizer, which names the tenant
 * (requestContext.authorizer.tenant) and its usage-plan key, so the usage plan throttles per
 * tenant. The gateway's own errors are problem+json like the function's.
 */
export class PaymentsApi extends Construct {
  readonly api: apigw.RestApi;
  /** Throttles each tenant; a tenant's usage-plan key is added by an operator (`npm run keys -- create` prints how). */
  readonly usagePlan: apigw.UsagePlan;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PaymentsApiProps) {
    super(scope, id);
    const logRetention = logs.RetentionDays.ONE_MONTH;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy: props.logRemovalPolicy });

    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'Idempotent payments: POST /payments, GET /payments, GET /payments/{id}',
      // Callers are servers; an edge-optimized endpoint would add a CloudFront hop for nothing.
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Logging needs the account-level CloudWatch role; CDK creates it, and retains it on delete
      // because other APIs in the account may rely on the same setting.
      cloudWatchRole: true,
      // Fails closed: a method added without the authorizer has no usage-plan key, so API Gateway
      // refuses it (403) until it is given one or opts out, as the webhook does.
      defaultMethodOptions: { apiKeyRequired: true },
      // The usage-plan key comes from the authorizer's usageIdentifierKey, never from a caller's
      // x-api-key header: it is a throttling bucket, not a credential.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      deployOptions: {
        stageName: API_STAGE_NAME,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        // Execution logs at ERROR only: INFO and data tracing would log request bodies and headers.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        ...(props.webhookHandler
          ? { methodOptions: { [`${STRIPE_WEBHOOK_PATH}/POST`]: { throttlingRateLimit: WEBHOOK_THROTTLE.rateLimit, throttlingBurstLimit: WEBHOOK_THROTTLE.burstLimit } } }
          : {}),
      },
    });
    // RestApi always adds an "Endpoint" output; the stack exports the same URL as ApiUrl.
    this.api.node.tryRemoveChild('Endpoint');

    // API Gateway writes execution logs to a group it names after the API and stage, and creates
    // it with no retention if it is missing. Creating it first gives it a retention and a lifecycle.
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${API_STAGE_NAME}`,
      retention: logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    // One permission for the whole API instead of one per method (and none for console test calls).
    const integration = new apigw.LambdaIntegration(props.handler, { scopePermissionToMethod: false });

    // Parameters only: body validation is the function's job, which answers with field-level errors.
    const parametersOnly = this.api.addRequestValidator('ParametersOnly', {
      validateRequestParameters: true,
      validateRequestBody: false,
    });

    // Every method under /payments, present and future, is authorized by the bearer key.
    const payments = this.api.root.addResource(Resource.Payments.slice(1), {
      defaultMethodOptions: { authorizer: props.authorizer, authorizationType: apigw.AuthorizationType.CUSTOM, apiKeyRequired: true },
    });
    // What each method asks of API Gateway; the methods themselves are lambda/shared/routes.ts's.
    // The list's limit and starting_after are checked by the function (field-level problem+json).
    const methodOptions: Partial<Record<`${Resource} ${string}`, apigw.MethodOptions>> = {
      [`${Resource.Payments} POST`]: { requestParameters: { [`method.request.header.${IDEMPOTENCY_KEY_HEADER}`]: true }, requestValidator: parametersOnly },
      [`${Resource.Payment} GET`]: { requestParameters: { 'method.request.path.id': true } },
    };
    for (const [resource, route] of Object.entries(ROUTES) as [Resource, (typeof ROUTES)[Resource]][]) {
      if (route.function !== 'payments') continue;
      const node = resource === Resource.Payments ? payments : payments.resourceForPath(resource.slice(Resource.Payments.length + 1));
      for (const method of route.methods) node.addMethod(method, integration, methodOptions[`${resource} ${method}`]);
    }

    if (props.webhookHandler) {
      const webhooks = new apigw.LambdaIntegration(props.webhookHandler, { scopePermissionToMethod: false });
      // Outside the authorizer: Stripe sends no bearer key; the function checks the Stripe-Signature
      // of every request. The route's own throttle (deployOptions above) stands in for the usage plan.
      const [webhookMethod] = ROUTES[Resource.StripeWebhook].methods;
      const webhook = this.api.root
        .resourceForPath(Resource.StripeWebhook)
        .addMethod(webhookMethod, webhooks, { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: false });
      Validations.of(webhook).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'POST /webhooks/stripe is the one method outside the secret-key authorizer, by design: Stripe cannot send our bearer key, and the function verifies the Stripe-Signature (HMAC of the raw body with the endpoint secret, 5 minute tolerance) before anything runs; the route has its own throttle.',
      });
    }

    addProblemResponses(this.api);

    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      description: "Per-tenant throttling for the payments API: one API key per tenant, its value the authorizer's usageIdentifierKey",
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    // No API key here: each tenant's is created with its first secret key (npm run keys -- create),
    // with a value the stack cannot know, and is no credential.

    this.acknowledgeNagFindings();
  }

  /** Findings of cdk-nag's AwsSolutions pack that this API accepts, each with its reason. */
  private acknowledgeNagFindings(): void {
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Request parameters are validated (Idempotency-Key on POST). Body validation is left to the function on purpose: it answers with field-level problem+json errors and keeps the Idempotency-Key free on an invalid body, which an API Gateway model cannot do.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF: callers are server-side merchants holding secret keys, verified by the Lambda authorizer and throttled per tenant by the usage plan; a web ACL costs a monthly fee even at rest. Add one in front of a public deployment.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are merchant servers holding secret keys, verified by a Lambda authorizer on every payments method (SPEC.md, Authentication and tenants), not Cognito users; the Stripe webhook is authenticated by its signature.',
      },
    );
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway uses to write logs; AWS maintains this managed policy for exactly that purpose, and it grants only CloudWatch Logs writes.',
      });
    }
  }
}

/**
 * One JSON object per request: the tenant and the public key id from the authorizer, never the
 * Authorization header; apiKeyId is the tenant's usage-plan key (its id, not its value).
 */
function accessLogFormat(): apigw.AccessLogFormat {
  const F = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: F.contextRequestId(),
      extendedRequestId: F.contextExtendedRequestId(),
      requestTime: F.contextRequestTime(),
      ip: F.contextIdentitySourceIp(),
      httpMethod: F.contextHttpMethod(),
      resourcePath: F.contextResourcePath(),
      status: F.contextStatus(),
      responseLength: F.contextResponseLength(),
      responseLatencyMs: F.contextResponseLatency(),
      integrationStatus: F.contextIntegrationStatus(),
      integrationLatencyMs: F.contextIntegrationLatency(),
      errorResponseType: F.contextErrorResponseType(),
      apiKeyId: F.contextIdentityApiKeyId(),
      tenant: F.contextAuthorizer('tenant'),
      keyId: F.contextAuthorizer('keyId'),
      authorizerStatus: F.contextAuthorizerStatus(),
      authorizerLatencyMs: F.contextAuthorizerLatency(),
    }),
  );
}
