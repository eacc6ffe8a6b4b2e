import type { Route, RouteContext } from './context';
import { ok } from './context';
import { invalidRequest, noSuch } from './errors';
import type { FormObject } from './form';
import { type ChargeObject, refundOf, snapshot } from './objects';
import { metadataOf, optionalInteger, optionalString, rejectUnknown } from './params';

const CREATE_PARAMS = ['amount', 'charge', 'payment_intent', 'reason', 'metadata', 'expand', 'instructions_email', 'refund_application_fee', 'reverse_transfer'] as const;
const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

/** The Charge a refund request names, directly or through its PaymentIntent's latest charge. */
function chargeToRefund(params: FormObject, context: RouteContext): ChargeObject {
  const chargeId = optionalString(params, 'charge');
  const intentId = optionalString(params, 'payment_intent');
  if (!chargeId && !intentId) throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.');
  if (chargeId) {
    const charge = context.state.charges.get(chargeId);
    if (!charge) throw noSuch('charge', chargeId, 'charge');
    if (intentId && charge.payment_intent !== intentId) throw invalidRequest(`Charge ${chargeId} does not belong to PaymentIntent ${intentId}.`, { param: 'charge' });
    if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${chargeId} has failed and cannot be refunded.`, { param: 'charge' });
    return charge;
  }
  const intent = context.state.paymentIntents.get(intentId as string);
  if (!intent) throw noSuch('payment_intent', intentId as string, 'payment_intent');
  const charge = intent.latest_charge ? context.state.charges.get(intent.latest_charge) : undefined;
  if (!charge || charge.status !== 'succeeded') {
    throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { param: 'payment_intent' });
  }
  return charge;
}

export const refundRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/v1\/refunds$/,
    prepare(params, _match, context) {
      rejectUnknown(params, CREATE_PARAMS);
      const charge = chargeToRefund(params, context);
      const amount = optionalInteger(params, 'amount');
      if (amount !== undefined && amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', { param: 'amount', code: 'parameter_invalid_integer' });
      const reason = optionalString(params, 'reason') ?? null;
      if (reason !== null && !REASONS.includes(reason)) throw invalidRequest(`Invalid reason: must be one of ${REASONS.join(', ')}`, { param: 'reason' });
      const metadata = metadataOf(params);
      // What is left to refund is read when the endpoint runs, so these answers are saved for the key.
      return () => {
        const remaining = charge.amount - charge.amount_refunded;
        if (remaining === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
        const refunded = amount ?? remaining;
        if (refunded > remaining) {
          throw invalidRequest(`Refund amount (${refunded}) is greater than unrefunded amount on charge (${remaining})`, { param: 'amount', code: 'amount_too_large' });
        }
        const refund = refundOf(charge, refunded, reason, metadata, context.nowEpochSeconds());
        context.state.refunds.set(refund.id, refund);
        const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
        charge.amount_refunded += refunded;
        charge.refunded = charge.amount_refunded === charge.amount;
        context.emit('refund.created', refund);
        context.emit('charge.refunded', charge, previous);
        return ok(snapshot(refund));
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/v1\/refunds\/([^/]+)$/,
    prepare(_params, match, context) {
      const id = decodeURIComponent(match[1] ?? '');
      const refund = context.state.refunds.get(id);
      if (!refund) throw noSuch('refund', id, 'refund', 404);
      return () => ok(snapshot(refund));
    },
  },
];
