import type { Route, RouteContext } from './context';
import { ok } from './context';
import { type Answer, ErrorType, StripeApiError, docUrl, invalidRequest, noSuch } from './errors';
import type { FormObject } from './form';
import { type PaymentIntentObject, type PaymentMethodObject, chargeOf, paymentIntentOf, paymentMethodFor, snapshot } from './objects';
import {
  amountOf,
  checkAmountRange,
  currencyOf,
  metadataOf,
  optionalBoolean,
  optionalString,
  rejectUnknown,
  stringList,
} from './params';
import { type CardOutcome, CardOutcomeKind, testPaymentMethod } from './payment-methods';

/** The create parameters accepted; anything else is `parameter_unknown`, as Stripe answers. */
const CREATE_PARAMS = [
  'amount', 'currency', 'payment_method', 'confirm', 'payment_method_types', 'allowed_payment_method_types', 'excluded_payment_method_types',
  'payment_method_configuration', 'error_on_requires_action', 'description', 'metadata',
  'capture_method', 'customer', 'expand', 'off_session', 'receipt_email', 'return_url', 'setup_future_usage', 'statement_descriptor',
  'statement_descriptor_suffix', 'automatic_payment_methods', 'confirmation_method', 'payment_method_options', 'use_stripe_sdk',
] as const;

/** Stripe's message when `error_on_requires_action` turns a 3-D Secure request into a failure. */
const REQUIRES_ACTION_MESSAGE =
  "This payment required an authentication action to complete, but `error_on_requires_action` was set. When you're ready, you can upgrade your integration to handle actions at https://stripe.com/docs/payments/payment-intents/upgrade-to-handle-actions.";

interface CreateInput {
  amount: number;
  currency: string;
  confirm: boolean;
  errorOnRequiresAction: boolean;
  outcome: CardOutcome | undefined;
  description: string | null;
  metadata: Record<string, string>;
  paymentMethodTypes: string[];
  allowedPaymentMethodTypes: string[] | null;
  expand: string[];
}

/** `expand[]=latest_charge` inlines the Charge, as Stripe does; other expansions are ignored. */
function view(intent: PaymentIntentObject, expand: string[], context: RouteContext): PaymentIntentObject {
  const copy = snapshot(intent);
  const charge = expand.includes('latest_charge') && intent.latest_charge ? context.state.charges.get(intent.latest_charge) : undefined;
  return charge ? Object.assign(copy, { latest_charge: snapshot(charge) }) : copy;
}

/** Dated changes to the create parameters (https://docs.stripe.com/changelog). */
const ALLOWED_TYPES_ADDED = '2026-07-29'; // dahlia/2026-07-29/allowed-payment-method-types-parameter
const PAYMENT_METHOD_TYPES_REMOVED = '2026-09-30'; // endive/2026-09-30/removes-the-payment-method-types-parameter-…
const EXCLUSIVE_WITH_ALLOWED = ['payment_method_types', 'excluded_payment_method_types', 'automatic_payment_methods', 'payment_method_configuration'];

/**
 * The payment method types: `allowed_payment_method_types` filters silently to what works (here:
 * cards only), `payment_method_types` (removed in endive) refuses what does not.
 */
function paymentMethodTypesOf(params: FormObject, apiVersion: string): Pick<CreateInput, 'paymentMethodTypes' | 'allowedPaymentMethodTypes'> {
  const versionDate = apiVersion.slice(0, 10);
  const allowed = stringList(params, 'allowed_payment_method_types');
  if (allowed !== undefined) {
    if (versionDate < ALLOWED_TYPES_ADDED) throw invalidRequest('Received unknown parameter: allowed_payment_method_types', { param: 'allowed_payment_method_types', code: 'parameter_unknown' });
    const clash = EXCLUSIVE_WITH_ALLOWED.find((name) => params[name] !== undefined);
    if (clash) throw invalidRequest(`You may only specify one of these parameters: allowed_payment_method_types, ${clash}.`, { param: clash, code: 'parameters_exclusive' });
    return { allowedPaymentMethodTypes: allowed, paymentMethodTypes: allowed.filter((type) => type === 'card') };
  }
  const explicit = stringList(params, 'payment_method_types');
  if (explicit === undefined) return { allowedPaymentMethodTypes: null, paymentMethodTypes: ['card'] };
  if (versionDate >= PAYMENT_METHOD_TYPES_REMOVED) {
    throw invalidRequest(
      'The payment_method_types parameter is no longer supported on this API version. Use allowed_payment_method_types, excluded_payment_method_types or dynamic payment methods instead.',
      { param: 'payment_method_types', code: 'payment_method_types_no_longer_supported' },
    );
  }
  const unsupported = explicit.find((type) => type !== 'card');
  if (unsupported) throw invalidRequest(`The payment method type "${unsupported}" is invalid.`, { param: 'payment_method_types' });
  return { allowedPaymentMethodTypes: null, paymentMethodTypes: explicit };
}

function validateCreate(params: FormObject, apiVersion: string): CreateInput {
  rejectUnknown(params, CREATE_PARAMS);
  const amount = amountOf(params);
  const currency = currencyOf(params);
  checkAmountRange(amount, currency);
  const confirm = optionalBoolean(params, 'confirm') ?? false;
  const errorOnRequiresAction = optionalBoolean(params, 'error_on_requires_action') ?? false;
  if (errorOnRequiresAction && !confirm) {
    throw invalidRequest('error_on_requires_action can only be used with confirm=true.', { param: 'error_on_requires_action' });
  }
  const types = paymentMethodTypesOf(params, apiVersion);
  const paymentMethodId = optionalString(params, 'payment_method');
  const outcome = paymentMethodId === undefined ? undefined : testPaymentMethod(paymentMethodId);
  if (paymentMethodId !== undefined && !outcome) throw noSuch('PaymentMethod', paymentMethodId, 'payment_method');
  if (outcome && !types.paymentMethodTypes.includes('card')) {
    throw invalidRequest('The PaymentMethod provided (card) is not allowed for this PaymentIntent.', { param: 'payment_method', code: 'payment_intent_incompatible_payment_method' });
  }
  if (confirm && !outcome) {
    throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", { code: 'payment_intent_unexpected_state' });
  }
  const description = optionalString(params, 'description') ?? null;
  return { amount, currency, confirm, errorOnRequiresAction, outcome, description, metadata: metadataOf(params), expand: stringList(params, 'expand') ?? [], ...types };
}

/** A failed attempt: the PaymentIntent wants a new payment method and carries the error. */
function failAttempt(intent: PaymentIntentObject, paymentMethod: PaymentMethodObject, error: Record<string, unknown>, context: RouteContext): Answer {
  const lastError = { type: ErrorType.Card, ...error, payment_method: snapshot(paymentMethod) };
  Object.assign(intent, { status: 'requires_payment_method', payment_method: null, last_payment_error: lastError });
  context.emit('payment_intent.payment_failed', intent);
  throw new StripeApiError(402, { ...(lastError as StripeApiError['body']), payment_intent: snapshot(intent) });
}

/** Confirmation with a test card: succeed, decline with a failed Charge, or need 3-D Secure. */
function confirmIntent(intent: PaymentIntentObject, paymentMethod: PaymentMethodObject, outcome: CardOutcome, input: CreateInput, context: RouteContext): Answer {
  switch (outcome.kind) {
    case CardOutcomeKind.Succeed: {
      const charge = chargeOf(intent, paymentMethod);
      context.state.charges.set(charge.id, charge);
      Object.assign(intent, { status: 'succeeded', amount_received: intent.amount, latest_charge: charge.id });
      context.emit('charge.succeeded', charge);
      context.emit('payment_intent.succeeded', intent);
      return ok(view(intent, input.expand, context));
    }
    case CardOutcomeKind.Decline: {
      const charge = chargeOf(intent, paymentMethod, outcome);
      context.state.charges.set(charge.id, charge);
      intent.latest_charge = charge.id;
      context.emit('charge.failed', charge);
      return failAttempt(
        intent,
        paymentMethod,
        { code: outcome.code, decline_code: outcome.declineCode, message: outcome.message, charge: charge.id, doc_url: docUrl(outcome.code) },
        context,
      );
    }
    case CardOutcomeKind.Authenticate: {
      if (input.errorOnRequiresAction) {
        const code = 'authentication_required';
        return failAttempt(intent, paymentMethod, { code, decline_code: 'authentication_not_handled', message: REQUIRES_ACTION_MESSAGE, doc_url: docUrl(code) }, context);
      }
      Object.assign(intent, { status: 'requires_action', next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } } });
      context.emit('payment_intent.requires_action', intent);
      return ok(view(intent, input.expand, context));
    }
  }
}

export const paymentIntentRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/v1\/payment_intents$/,
    prepare(params, _match, context) {
      const input = validateCreate(params, context.apiVersion);
      return () => {
        const created = context.nowEpochSeconds();
        const paymentMethod = input.outcome ? paymentMethodFor(input.outcome.card, created) : null;
        const intent = paymentIntentOf({ ...input, created }, paymentMethod?.id ?? null);
        context.state.paymentIntents.set(intent.id, intent);
        context.emit('payment_intent.created', intent);
        if (!input.confirm || !input.outcome || !paymentMethod) return ok(snapshot(intent));
        return confirmIntent(intent, paymentMethod, input.outcome, input, context);
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/payment_intents\/([^/]+)$/,
    prepare(params, match, context) {
      const id = decodeURIComponent(match[1] ?? '');
      const intent = context.state.paymentIntents.get(id);
      if (!intent) throw noSuch('payment_intent', id, 'intent', 404);
      const expand = stringList(params, 'expand') ?? [];
      return () => ok(view(intent, expand, context));
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/charges\/([^/]+)$/,
    prepare(_params, match, context) {
      const id = decodeURIComponent(match[1] ?? '');
      const charge = context.state.charges.get(id);
      if (!charge) throw noSuch('charge', id, 'id', 404);
      return () => ok(snapshot(charge));
    },
  },
];
