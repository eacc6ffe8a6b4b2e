// Checked by `tsc --noEmit` (part of `npm test`), not run: the client keeps its own copy of the
// API's payment shape so it ships without the server's code, and this fails the build the day the
// two stop describing the same JSON.
import type { Payment as ClientPayment } from '../../../client/types';
import type { Payment as ServerPayment } from '../../../lambda/payments/payment-store';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const paymentShapesAgree: Same<ClientPayment, ServerPayment> = true;
