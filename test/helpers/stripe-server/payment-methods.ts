/**
 * Stripe's test PaymentMethods (https://docs.stripe.com/testing): the ids a test passes as
 * `payment_method`, and what confirming a PaymentIntent with each does. Any other id is unknown.
 */
export const CardOutcomeKind = { Succeed: 'succeed', Decline: 'decline', Authenticate: 'authenticate' } as const;

export interface TestCard {
  brand: string;
  last4: string;
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
}

export type CardOutcome =
  | { kind: typeof CardOutcomeKind.Succeed; card: TestCard }
  | { kind: typeof CardOutcomeKind.Authenticate; card: TestCard }
  | { kind: typeof CardOutcomeKind.Decline; card: TestCard; code: string; declineCode: string; message: string };

const card = (brand: string, last4: string, funding: TestCard['funding'] = 'credit', country = 'US'): TestCard => ({ brand, last4, funding, country });
const succeed = (test: TestCard): CardOutcome => ({ kind: CardOutcomeKind.Succeed, card: test });
const DECLINED = 'Your card was declined.';
const decline = (last4: string, code: string, declineCode: string, message = DECLINED): CardOutcome => ({
  kind: CardOutcomeKind.Decline,
  card: card('visa', last4),
  code,
  declineCode,
  message,
});

export const TEST_PAYMENT_METHODS: Readonly<Record<string, CardOutcome>> = {
  pm_card_visa: succeed(card('visa', '4242')),
  pm_card_visa_debit: succeed(card('visa', '5556', 'debit')),
  pm_card_mastercard: succeed(card('mastercard', '4444')),
  pm_card_mastercard_debit: succeed(card('mastercard', '8210', 'debit')),
  pm_card_mastercard_prepaid: succeed(card('mastercard', '5100', 'prepaid')),
  pm_card_amex: succeed(card('amex', '8431')),
  pm_card_discover: succeed(card('discover', '1117')),
  pm_card_diners: succeed(card('diners', '0004')),
  pm_card_jcb: succeed(card('jcb', '0000', 'credit', 'JP')),
  pm_card_unionpay: succeed(card('unionpay', '0005', 'credit', 'CN')),
  pm_card_gb: succeed(card('visa', '0002', 'credit', 'GB')),
  pm_card_de: succeed(card('visa', '0016', 'credit', 'DE')),
  pm_card_fr: succeed(card('visa', '0003', 'credit', 'FR')),
  pm_card_chargeDeclined: decline('0002', 'card_declined', 'generic_decline'),
  pm_card_chargeDeclinedInsufficientFunds: decline('9995', 'card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
  pm_card_chargeDeclinedLostCard: decline('9987', 'card_declined', 'lost_card'),
  pm_card_chargeDeclinedStolenCard: decline('9979', 'card_declined', 'stolen_card'),
  pm_card_chargeDeclinedFraudulent: decline('0019', 'card_declined', 'fraudulent'),
  pm_card_chargeDeclinedExpiredCard: decline('0069', 'expired_card', 'expired_card', 'Your card has expired.'),
  pm_card_chargeDeclinedIncorrectCvc: decline('0127', 'incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect."),
  pm_card_chargeDeclinedProcessingError: decline(
    '0119',
    'processing_error',
    'processing_error',
    'An error occurred while processing your card. Try again in a little bit.',
  ),
  pm_card_authenticationRequired: { kind: CardOutcomeKind.Authenticate, card: card('visa', '3155') },
  pm_card_authenticationRequiredOnSetup: { kind: CardOutcomeKind.Authenticate, card: card('visa', '3184') },
  pm_card_threeDSecure2Required: { kind: CardOutcomeKind.Authenticate, card: card('visa', '3220') },
};

export function testPaymentMethod(id: string): CardOutcome | undefined {
  return Object.prototype.hasOwnProperty.call(TEST_PAYMENT_METHODS, id) ? TEST_PAYMENT_METHODS[id] : undefined;
}
