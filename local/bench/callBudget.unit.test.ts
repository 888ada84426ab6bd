import { DteBroadcastFailedV2, DteBroadcastV2, DteIssuedV2 } from '@mtd/contracts';
import { describe, expect, it } from 'vitest';
import { budgetPartOf, SiiVerdictCommits } from './callBudget';

const event = (eventType: string, eventId: string, causationId: string, data: unknown = {}) => ({
  metadata: { eventType, eventId, causationId },
  data,
});
const commitPut = (...events: ReturnType<typeof event>[]) => ({
  TableName: 'mtd-events',
  Item: { streamId: { S: 'dte-PO-1' }, events: { S: JSON.stringify(events) } },
});

describe('the part of the budget a DynamoDB call belongs to', () => {
  it('names the effect claims, the verdict poll’s letters and the verdict’s commit; the rest is the choreography', () => {
    const partOf = budgetPartOf('mtd-events', new SiiVerdictCommits());
    const letter = (subscription: string) => ({
      TableName: 'mtd-dead-letters',
      Item: { subscription: { S: subscription }, eventId: { S: 'e' } },
    });

    expect(partOf('PutItem', { TableName: 'mtd-dte-effect-claims' })).toBe('effectClaims');
    expect(partOf('UpdateItem', { TableName: 'mtd-notification-effect-claims' })).toBe('effectClaims');
    expect(partOf('PutItem', letter('checkDteStatusOnDteBroadcast'))).toBe('siiVerdictPoll');
    expect(
      partOf('DeleteItem', {
        TableName: 'mtd-dead-letters',
        Key: { subscription: { S: 'checkDteStatusOnDteBroadcast' }, eventId: { S: 'e' } },
      }),
    ).toBe('siiVerdictPoll');
    expect(
      partOf('Query', {
        TableName: 'mtd-dead-letters',
        ExpressionAttributeValues: { ':s': { S: 'checkDteStatusOnDteBroadcast' } },
      }),
    ).toBe('siiVerdictPoll');
    expect(partOf('PutItem', letter('notifyCustomerOnDteIssued'))).toBe('choreography');

    expect(partOf('PutItem', commitPut(event(DteIssuedV2.detailType, 'i1', 'a1')))).toBe('choreography');
    expect(
      partOf('PutItem', commitPut(event(DteBroadcastV2.detailType, 'r1', 'i1', { status: 'received' }))),
    ).toBe('choreography');
    expect(
      partOf('PutItem', commitPut(event(DteBroadcastV2.detailType, 'v1', 'r1', { status: 'accepted' }))),
    ).toBe('siiVerdictCommit');
    expect(partOf('Query', { TableName: 'mtd-events' })).toBe('choreography');
    expect(partOf('PutItem', { TableName: 'mtd-checkpoints' })).toBe('choreography');
  });

  it('counts a DteBroadcastFailed as the verdict only when it answers a DteBroadcast received', () => {
    const verdicts = new SiiVerdictCommits();
    // An upload that failed (caused by DteIssued): an attempt of the broadcast, not a verdict.
    expect(verdicts.isVerdict([event(DteBroadcastFailedV2.detailType, 'f1', 'i1', { final: false })])).toBe(
      false,
    );
    expect(verdicts.isVerdict([event(DteBroadcastV2.detailType, 'r2', 'f1', { status: 'received' })])).toBe(
      false,
    );
    // The SII rejected the document it had received: the verdict.
    expect(verdicts.isVerdict([event(DteBroadcastFailedV2.detailType, 'f2', 'r2', { final: true })])).toBe(
      true,
    );
    // The verdict's commit tried again (after a version conflict) is still the verdict's work.
    expect(verdicts.isVerdict([event(DteBroadcastFailedV2.detailType, 'f3', 'r2', { final: true })])).toBe(
      true,
    );
  });
});
