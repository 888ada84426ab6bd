import {
  CustomerNotificationFailedV1,
  CustomerNotifiedV1,
  type DomainEvent,
  DteBroadcastV2,
} from '@mtd/contracts';
import { deciderSpec } from '@mtd/platform/testing';
import { describe, expect, it } from 'vitest';
import {
  type NotificationCommand,
  notificationDecider,
  type RecordEmailFailed,
  type RecordEmailSent,
} from '#domain/decideNotification';
import { evolveNotification, initialNotificationState } from '#domain/notification';

const spec = deciderSpec<ReturnType<typeof initialNotificationState>, NotificationCommand>(
  notificationDecider,
);

const sent = (overrides: Partial<RecordEmailSent> = {}): RecordEmailSent => ({
  type: 'RecordEmailSent',
  orderId: 'PO-1001',
  to: 'ana@example.cl',
  subject: 'Tu boleta electrónica N° 4711 – pedido PO-1001',
  messageId: 'PO-1001-01JX.eml',
  at: '2026-11-24T10:00:02.000Z',
  ...overrides,
});
const failed = (overrides: Partial<RecordEmailFailed> = {}): RecordEmailFailed => ({
  type: 'RecordEmailFailed',
  orderId: 'PO-1001',
  to: 'ana@example.cl',
  error: 'SES SendEmail failed (MessageRejected): Email address is not verified.',
  at: '2026-11-24T10:00:02.000Z',
  ...overrides,
});

const customerNotified = (command: RecordEmailSent = sent()): DomainEvent => ({
  type: CustomerNotifiedV1.detailType,
  data: {
    orderId: command.orderId,
    notifiedAt: command.at,
    channel: 'email',
    to: command.to,
    subject: command.subject,
    messageId: command.messageId,
  },
});
const customerNotificationFailed = (command: RecordEmailFailed = failed()): DomainEvent => ({
  type: CustomerNotificationFailedV1.detailType,
  data: { orderId: command.orderId, failedAt: command.at, to: command.to, error: command.error },
});

describe('decideNotification', () => {
  it('records a sent email as CustomerNotified', () => {
    spec.given([]).when(sent()).then([customerNotified()]);
  });

  it('records a permanent failure as CustomerNotificationFailed', () => {
    spec.given([]).when(failed()).then([customerNotificationFailed()]);
  });

  it('does nothing once the customer was notified (never a second CustomerNotified)', () => {
    spec
      .given([customerNotified()])
      .when(sent({ messageId: 'other' }))
      .thenNothing();
  });

  it('does not put a notified order into exception on a late failure', () => {
    spec.given([customerNotified()]).when(failed()).thenNothing();
  });

  it('records a success after an earlier failure (recovery)', () => {
    const retry = sent({ at: '2026-11-24T11:00:00.000Z' });
    spec
      .given([customerNotificationFailed()])
      .when(retry)
      .then([customerNotified(retry)]);
  });

  it('records every further failure', () => {
    const again = failed({ at: '2026-11-24T11:00:00.000Z', error: 'AccountSuspendedException' });
    spec
      .given([customerNotificationFailed()])
      .when(again)
      .then([customerNotificationFailed(again)]);
  });
});

describe('evolveNotification', () => {
  it('folds failures, then a success, and ignores other events', () => {
    const history: DomainEvent[] = [
      customerNotificationFailed(),
      customerNotificationFailed(failed({ error: 'again', at: '2026-11-24T10:05:00.000Z' })),
    ];
    const afterFailures = history.reduce(evolveNotification, initialNotificationState());
    expect(afterFailures).toEqual({
      status: 'failed',
      orderId: 'PO-1001',
      to: 'ana@example.cl',
      lastError: 'again',
      failedAt: '2026-11-24T10:05:00.000Z',
      failures: 2,
    });
    const notified = evolveNotification(afterFailures, customerNotified());
    expect(notified.status).toBe('notified');
    const unrelated: DomainEvent = {
      type: DteBroadcastV2.detailType,
      data: {
        orderId: 'PO-1001',
        dteType: 39,
        folio: 4711,
        broadcastAt: '2026-11-24T10:00:03.000Z',
        attempt: 1,
        trackId: 'T-1',
        status: 'accepted',
        objections: [],
      },
    };
    expect(evolveNotification(notified, unrelated)).toBe(notified);
    expect(evolveNotification(notified, customerNotificationFailed())).toBe(notified);
  });
});
