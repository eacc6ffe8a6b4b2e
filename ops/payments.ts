import { PAYMENT_ID, PaymentStore } from '../lambda/payments/payment-store';
import type { Database } from './database';
import { iso, printable, table } from './format';
import { type CommandResult, OpsError, UsageError } from './result';

/** `ops payments <tenant>`: one page of the tenant's payments, newest first, as GET /payments gives it. */
export async function paymentsCommand(db: Database, tenant: string, limit: number, startingAfter: string | undefined): Promise<CommandResult> {
  if (startingAfter !== undefined && !PAYMENT_ID.test(startingAfter)) throw new UsageError('--starting-after must be a payment id (pay_ and 32 hex digits)');
  const page = await new PaymentStore(db.documentClient, db.tableName).list(tenant, limit, startingAfter);
  if (page === 'unknown_cursor') throw new OpsError(`--starting-after: no payment ${JSON.stringify(startingAfter)} of tenant ${JSON.stringify(tenant)} in ${db.description}.`);
  const json = { object: 'list', data: page.data, has_more: page.hasMore };
  if (page.data.length === 0) return { json, text: `no payments for tenant ${printable(JSON.stringify(tenant))}${startingAfter ? ` after ${startingAfter}` : ''}` };
  const rows = page.data.map((p) => [p.id, iso(p.created * 1000), `${p.amount} ${p.currency}`, p.status, p.charge ?? '-']);
  const last = page.data[page.data.length - 1]!.id;
  const more = page.hasMore ? `more follow: --starting-after ${last}` : 'no more';
  return { json, text: `${table(['ID', 'CREATED', 'AMOUNT (MINOR UNITS)', 'STATUS', 'CHARGE'], rows)}\n${page.data.length} shown, ${more}` };
}
