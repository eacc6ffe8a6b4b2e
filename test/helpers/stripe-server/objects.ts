import { randomBytes } from 'node:crypto';
import type { TestCard } from './payment-methods';

/**
 * The Stripe objects this server keeps, with the fields stripe-node's types and our code read
 * (shapes from https://docs.stripe.com/api/payment_intents/object, /api/charges/object,
 * /api/refunds/object). Fields nobody reads here are present with their null defaults.
 */
export type Metadata = Record<string, string>;

export interface PaymentMethodObject {
  id: string;
  object: 'payment_method';
  type: 'card';
  card: { brand: string; last4: string; funding: string; country: string; exp_month: number; exp_year: number };
  created: number;
  customer: null;
  livemode: false;
  metadata: Metadata;
  [field: string]: unknown;
}

export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'succeeded';
  latest_charge: string | null;
  payment_method: string | null;
  last_payment_error: object | null;
  metadata: Metadata;
  created: number;
  livemode: false;
  [field: string]: unknown;
}

export interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_refunded: number;
  currency: string;
  status: 'succeeded' | 'failed';
  paid: boolean;
  refunded: boolean;
  payment_intent: string;
  created: number;
  [field: string]: unknown;
}

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  payment_intent: string;
  status: 'succeeded';
  created: number;
  [field: string]: unknown;
}

export interface StripeState {
  paymentIntents: Map<string, PaymentIntentObject>;
  charges: Map<string, ChargeObject>;
  refunds: Map<string, RefundObject>;
}

export const emptyState = (): StripeState => ({ paymentIntents: new Map(), charges: new Map(), refunds: new Map() });

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Ids shaped like Stripe's: a type prefix and 24 random alphanumerics. */
export function newId(prefix: string): string {
  return `${prefix}_${[...randomBytes(24)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('')}`;
}

/** Confirming with a test id (`pm_card_visa`) attaches a fresh PaymentMethod, as Stripe does. */
export function paymentMethodFor(card: TestCard, created: number): PaymentMethodObject {
  return {
    id: newId('pm'),
    object: 'payment_method',
    type: 'card',
    card: { ...card, exp_month: 12, exp_year: new Date(created * 1000).getUTCFullYear() + 3 },
    billing_details: { address: null, email: null, name: null, phone: null },
    created,
    customer: null,
    livemode: false,
    metadata: {},
  };
}

export interface IntentInput {
  amount: number;
  currency: string;
  description: string | null;
  metadata: Metadata;
  paymentMethodTypes: string[];
  allowedPaymentMethodTypes: string[] | null;
  created: number;
}

export function paymentIntentOf(input: IntentInput, paymentMethod: string | null): PaymentIntentObject {
  const id = newId('pi');
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: input.allowedPaymentMethodTypes,
    amount: input.amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${newId('x').slice(2)}`,
    confirmation_method: 'automatic',
    created: input.created,
    currency: input.currency,
    customer: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: paymentMethod,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: input.paymentMethodTypes,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
}

export interface ChargeFailure {
  code: string;
  declineCode: string;
  message: string;
}

/** The Charge a confirmation attempt makes; a decline is a failed Charge with the issuer's reason. */
export function chargeOf(intent: PaymentIntentObject, paymentMethod: PaymentMethodObject, failure?: ChargeFailure): ChargeObject {
  return {
    id: newId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: failure ? 0 : intent.amount,
    amount_refunded: 0,
    balance_transaction: failure ? null : newId('txn'),
    billing_details: paymentMethod.billing_details,
    captured: !failure,
    created: intent.created,
    currency: intent.currency,
    customer: null,
    description: intent.description,
    disputed: false,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    livemode: false,
    metadata: { ...intent.metadata },
    outcome: failure
      ? { network_status: 'declined_by_network', reason: failure.declineCode, risk_level: 'normal', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' }
      : { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' },
    paid: !failure,
    payment_intent: intent.id,
    payment_method: paymentMethod.id,
    payment_method_details: { type: 'card', card: paymentMethod.card },
    receipt_url: null,
    refunded: false,
    status: failure ? 'failed' : 'succeeded',
  };
}

export function refundOf(charge: ChargeObject, amount: number, reason: string | null, metadata: Metadata, created: number): RefundObject {
  return {
    id: newId('re'),
    object: 'refund',
    amount,
    balance_transaction: newId('txn'),
    charge: charge.id,
    created,
    currency: charge.currency,
    metadata,
    payment_intent: charge.payment_intent,
    reason,
    receipt_number: null,
    status: 'succeeded',
  };
}

/** Callers get copies: a test holding an object must not see it change, nor change the server's. */
export const snapshot = <T>(value: T): T => structuredClone(value);
