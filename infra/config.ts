import type { Node } from 'constructs';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, FUNCTION_TIMEOUT_SECONDS, MAX_IDEMPOTENCY_TTL_SECONDS, retentionProblem } from '../lambda/payments/config';

/** The stage whose data may be thrown away: its table is deleted with the stack. */
export const DEV_STAGE = 'dev';

/** What a deployment may vary, read once from CDK context (`-c name=value`) in infra/app.ts. */
export interface StackConfig {
  /**
   * Deployment stage (context `stage`); part of the stack name, so stages deploy side by side.
   * Any stage but 'dev' retains the table on delete and turns deletion protection on.
   * @default 'dev'
   */
  stage: string;
  /**
   * Retention of completed idempotency keys in seconds (context `idempotencyTtlSeconds`),
   * passed to the function as IDEMPOTENCY_TTL_SECONDS.
   * @default 86400
   */
  idempotencyTtlSeconds: number;
  /**
   * An existing Secrets Manager secret (context `stripeSecret`: its name, or its complete ARN)
   * holding `{"STRIPE_SECRET_KEY": "sk_…", "STRIPE_WEBHOOK_SECRET": "whsec_…"}`. When set, the
   * functions charge through Stripe and the API serves POST /webhooks/stripe. The stack never
   * creates the Stripe key: the deployer puts it there (README, "Use your Stripe account").
   * @default undefined (the simulated processor)
   */
  stripeSecret?: string;
  /**
   * Subscribed by email to the alarm topic (context `alarmEmail`); AWS asks the address to confirm.
   * @default undefined (the topic has no subscriber until one is added)
   */
  alarmEmail?: string;
}

/** A stage name that is safe inside a CloudFormation stack name. */
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

export class StackConfigError extends Error {
  override name = 'StackConfigError';
}

/** Reads and checks the context; a bad value fails synth instead of deploying something odd. */
export function stackConfigFromContext(node: Node): StackConfig {
  const stage = String(node.tryGetContext('stage') ?? DEV_STAGE);
  if (!STAGE_PATTERN.test(stage)) {
    throw new StackConfigError(`context stage must match ${STAGE_PATTERN}, got "${stage}"`);
  }
  const rawTtl = node.tryGetContext('idempotencyTtlSeconds') ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
  const idempotencyTtlSeconds = Number(rawTtl);
  // The same bounds the function applies to IDEMPOTENCY_TTL_SECONDS (lambda/payments/config.ts).
  if (!Number.isInteger(idempotencyTtlSeconds) || idempotencyTtlSeconds < 1 || idempotencyTtlSeconds > MAX_IDEMPOTENCY_TTL_SECONDS) {
    throw new StackConfigError(`context idempotencyTtlSeconds must be an integer from 1 to ${MAX_IDEMPOTENCY_TTL_SECONDS}, got "${rawTtl}"`);
  }
  const problem = retentionProblem(idempotencyTtlSeconds, FUNCTION_TIMEOUT_SECONDS);
  if (problem) throw new StackConfigError(`context idempotencyTtlSeconds: ${problem}`);
  const rawSecret = node.tryGetContext('stripeSecret');
  if (rawSecret !== undefined && (typeof rawSecret !== 'string' || !SECRET_REFERENCE.test(rawSecret))) {
    throw new StackConfigError('context stripeSecret must be a Secrets Manager secret name or its complete ARN (arn:aws:secretsmanager:…:secret:name-AbCdEf)');
  }
  const rawEmail = node.tryGetContext('alarmEmail');
  if (rawEmail !== undefined && rawEmail !== '' && (typeof rawEmail !== 'string' || !EMAIL_ADDRESS.test(rawEmail))) {
    throw new StackConfigError(`context alarmEmail must be an email address, got "${String(rawEmail)}"`);
  }
  return { stage, idempotencyTtlSeconds, ...(rawSecret ? { stripeSecret: rawSecret } : {}), ...(rawEmail ? { alarmEmail: rawEmail } : {}) };
}

/** A secret name (Secrets Manager's characters) or a complete secret ARN, with its 6-character suffix. */
const SECRET_REFERENCE = /^(?:[A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6})$/;

/** Loose on purpose: SNS and its confirmation mail are the real check; this catches a mistyped context value. */
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True when the stage's data must survive the stack: everything but dev. */
export const retainsData = (config: StackConfig): boolean => config.stage !== DEV_STAGE;
