import { recordKeyFor } from '../../lambda/idempotency/dynamodb-store';
import { decodeResponse } from '../../lambda/idempotency/response-codec';
import { keyDigest } from '../../lambda/idempotency/record-key';
import { paymentIdFor } from '../../lambda/payments/payment-store';
import { TableSchema } from '../../lambda/shared/table';
import type { TableContents } from './table-contents';

/** What the table holds after a run, reduced to the figures the guarantees are stated in. */
export interface LedgerFigures {
  records: number;
  completedRecords: number;
  payments: number;
  charges: number;
  /** Payments naming a charge that is not in the table. */
  paymentsWithoutCharge: number;
  /** Charges no payment names: money taken with nothing to show for it. */
  chargesWithoutPayment: number;
  /** Charges named by more than one payment. */
  chargesPaidTwice: number;
  /** Completed records whose stored answer is not their own payment, byte for byte. */
  recordsNotAnsweringTheirPayment: number;
}

export function ledgerFigures(contents: TableContents): LedgerFigures {
  const chargeIds = new Set(contents.charges.map((charge) => charge.id as string));
  const paidCharges = contents.payments.map((item) => item.payment.charge as string);
  const paid = new Set(paidCharges);
  const completed = contents.records.filter((record) => record.status === 'COMPLETED');
  return {
    records: contents.records.length,
    completedRecords: completed.length,
    payments: contents.payments.length,
    charges: contents.charges.length,
    paymentsWithoutCharge: paidCharges.filter((id) => !chargeIds.has(id)).length,
    chargesWithoutPayment: [...chargeIds].filter((id) => !paid.has(id)).length,
    chargesPaidTwice: paidCharges.length - paid.size,
    recordsNotAnsweringTheirPayment: completed.filter((record) => !answersItsPayment(record, contents)).length,
  };
}

/** The figures every run must end with: one record, one charge, one payment per operation, all linked. */
export const soundLedger = (operations: number): LedgerFigures => ({
  records: operations,
  completedRecords: operations,
  payments: operations,
  charges: operations,
  paymentsWithoutCharge: 0,
  chargesWithoutPayment: 0,
  chargesPaidTwice: 0,
  recordsNotAnsweringTheirPayment: 0,
});

/** The record of the operation (tenant, key). */
export const recordOf = (contents: TableContents, tenant: string, key: string) =>
  contents.records.find((item) => item[TableSchema.partitionKey] === recordKeyFor(keyDigest(tenant, key)));

/** The stored payment of the operation (tenant, key): it lives in the operation's record (readTable reads it). */
export function storedPayment(contents: TableContents, tenant: string, key: string): Record<string, any> | undefined {
  return recordOf(contents, tenant, key)?.payment;
}

/** A 201 stores the payment itself as its answer; a 402 stores a problem naming the failed payment. */
function answersItsPayment(record: Record<string, any>, _contents: TableContents): boolean {
  const id = paymentIdFor(record.tenant, record.idempotencyKey);
  const payment = record.payment;
  if (!payment || !record.response) return false;
  const answer = JSON.parse(decodeResponse(record.response).body);
  if (record.response.statusCode === 201) return answer.id === id && answer.charge === payment.charge && answer.amount === payment.amount;
  return record.response.statusCode === 402 && answer.payment === id && payment.status === 'failed';
}
