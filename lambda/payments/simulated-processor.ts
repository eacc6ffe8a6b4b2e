import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { KeyPrefix, TableSchema } from '../shared/table';
import { type Charge, type ChargeRequest, ChargeStatus, type PaymentProcessor, ProcessorUnavailableError } from './processor';

/** Card tokens the simulator knows (the request schema accepts only these without Stripe); anything else is a 400 before any charge. */
export const CardToken = { Visa: 'tok_visa', Declined: 'tok_chargeDeclined' } as const;

export interface SimulatedProcessorOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Delay after the charge is recorded, before answering, in ms. */
  latencyMs: number;
  /** Probability (0..1) of a transient failure; half before the charge is recorded, half after. */
  failureRate: number;
  /** @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * A processor that behaves like a real one where it matters: each charge is recorded once per
 * idempotency key (one conditional PutItem), a repeated key returns the recorded charge, and it
 * can fail before charging or after charging with the answer lost. The latency applies to a new
 * charge; a repeated key is answered from the record at once, as Stripe answers a replay.
 */
export class SimulatedProcessor implements PaymentProcessor {
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: SimulatedProcessorOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  async charge(request: ChargeRequest): Promise<Charge> {
    if (request.timeoutMs <= 0) throw new ProcessorUnavailableError(new Error('no time left in the invocation for the processor call'));
    // An unref'd timer: it never keeps a process alive on its own.
    const deadline = AbortSignal.timeout(Math.ceil(request.timeoutMs));
    const roll = this.random();
    if (roll < this.options.failureRate / 2) throw new ProcessorUnavailableError(new Error('simulated failure before the charge'));

    const { charge, replayed } = await this.record(request);
    if (!replayed && this.options.latencyMs > 0) {
      try {
        await sleep(this.options.latencyMs, undefined, { signal: deadline });
      } catch {
        // The charge is recorded; its answer did not come in time: the ambiguous case.
        throw new ProcessorUnavailableError(new Error(`no answer within ${request.timeoutMs} ms (charge recorded)`));
      }
    }
    if (roll < this.options.failureRate) throw new ProcessorUnavailableError(new Error('simulated failure after the charge (answer lost)'));
    return charge;
  }

  private async record(request: ChargeRequest): Promise<{ charge: Charge; replayed: boolean }> {
    const declined = request.source === CardToken.Declined;
    const charge: Charge = {
      id: `ch_${randomBytes(12).toString('hex')}`,
      status: declined ? ChargeStatus.Failed : ChargeStatus.Succeeded,
      ...(declined ? { failureCode: 'card_declined' } : {}),
      amount: request.amount,
      currency: request.currency,
      createdEpochSeconds: Math.floor(this.now() / 1000),
    };
    try {
      // Timeline: first time this key is seen -> charge; seen before -> the earlier charge stands.
      await this.options.documentClient.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            [TableSchema.partitionKey]: `${KeyPrefix.Charge}${request.idempotencyKey}`,
            ...charge,
            source: request.source,
            metadata: request.metadata,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TableSchema.partitionKey },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { charge, replayed: false };
    } catch (error) {
      const item = (error as { name?: string; Item?: Record<string, AttributeValue> }).Item;
      if ((error as Error).name === 'ConditionalCheckFailedException' && item) return { charge: this.existing(unmarshall(item), request), replayed: true };
      throw new ProcessorUnavailableError(error);
    }
  }

  /** A repeated key must carry the same charge, as real processors insist. */
  private existing(item: Record<string, unknown>, request: ChargeRequest): Charge {
    if (item.amount !== request.amount || item.currency !== request.currency || item.source !== request.source) {
      throw new Error(`idempotency key ${request.idempotencyKey} was reused with different charge parameters`);
    }
    const { id, status, failureCode, amount, currency, createdEpochSeconds } = item as unknown as Charge;
    return { id, status, ...(failureCode ? { failureCode } : {}), amount, currency, createdEpochSeconds };
  }
}
