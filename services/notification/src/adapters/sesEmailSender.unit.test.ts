import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmailMessage, EmailSendFailedError } from '#adapters/emailSender';
import { sesEmailSender } from '#adapters/sesEmailSender';

const client = new SESv2Client({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const ses = mockClient(client);
afterAll(() => ses.restore());

const message: EmailMessage = {
  from: 'Tienda <no-reply@tienda.cl>',
  to: ['ana@example.cl'],
  subject: 'Tu boleta electrónica N° 4711 – pedido PO-1001',
  text: 'Hola Ana Pérez:',
  html: '<p>Hola Ana Pérez:</p>',
  idempotencyKey: 'PO-1001-01JD9Y3ZK1V5S6QX2T8W4R7N0M',
  tags: { orderId: 'PO-1001' },
};

const metadata = { $metadata: { httpStatusCode: 400 } };

describe('sesEmailSender', () => {
  beforeEach(() => ses.reset());

  it('sends one SendEmail with simple UTF-8 text + HTML content, the configuration set and tags', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0100018f-ses-id' });
    const sender = sesEmailSender({ client, configurationSetName: 'mtd-notification' });

    await expect(sender.send(message)).resolves.toEqual({ messageId: '0100018f-ses-id' });

    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      FromEmailAddress: 'Tienda <no-reply@tienda.cl>',
      Destination: { ToAddresses: ['ana@example.cl'] },
      Content: {
        Simple: {
          Subject: { Data: 'Tu boleta electrónica N° 4711 – pedido PO-1001', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Hola Ana Pérez:', Charset: 'UTF-8' },
            Html: { Data: '<p>Hola Ana Pérez:</p>', Charset: 'UTF-8' },
          },
          // The stable Message-ID of the cause (order id + DteIssued event id), in a header SES keeps.
          Headers: [
            { Name: 'X-MTD-Idempotency-Key', Value: 'PO-1001-01JD9Y3ZK1V5S6QX2T8W4R7N0M' },
            { Name: 'X-MTD-Message-ID', Value: '<PO-1001-01JD9Y3ZK1V5S6QX2T8W4R7N0M@tienda.cl>' },
          ],
        },
      },
      ConfigurationSetName: 'mtd-notification',
      EmailTags: [{ Name: 'orderId', Value: 'PO-1001' }],
    });
  });

  it('omits the configuration set when none is configured and makes tag values SES-safe', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'id-2' });
    await sesEmailSender({ client }).send({ ...message, tags: { orderId: 'PO.1001/ñ' } });
    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('ConfigurationSetName');
    expect(input?.EmailTags).toEqual([{ Name: 'orderId', Value: 'PO_1001__' }]);
  });

  it.each([
    ['MessageRejected', new MessageRejected({ message: 'Email address is not verified.', ...metadata })],
    [
      'MailFromDomainNotVerifiedException',
      new MailFromDomainNotVerifiedException({ message: 'MAIL FROM not verified', ...metadata }),
    ],
    ['AccountSuspendedException', new AccountSuspendedException({ message: 'suspended', ...metadata })],
    ['BadRequestException', new BadRequestException({ message: 'Illegal address', ...metadata })],
  ])('maps %s to a permanent EmailSendFailedError', async (code, error) => {
    ses.on(SendEmailCommand).rejects(error);
    const send = sesEmailSender({ client }).send(message);
    await expect(send).rejects.toBeInstanceOf(EmailSendFailedError);
    await expect(send).rejects.toMatchObject({ permanent: true, code, cause: error });
  });

  it.each([
    [
      'TooManyRequestsException',
      new TooManyRequestsException({ message: 'Maximum sending rate exceeded', ...metadata }),
    ],
    ['LimitExceededException', new LimitExceededException({ message: 'Daily quota exceeded', ...metadata })],
    ['SendingPausedException', new SendingPausedException({ message: 'paused', ...metadata })],
    ['NotFoundException', new NotFoundException({ message: 'no such configuration set', ...metadata })],
    [
      'InternalFailure',
      new SESv2ServiceException({
        name: 'InternalFailure',
        $fault: 'server',
        message: 'internal error',
        $metadata: { httpStatusCode: 500 },
      }),
    ],
    ['TimeoutError', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  ])('maps %s to a transient EmailSendFailedError', async (code, error) => {
    ses.on(SendEmailCommand).rejects(error);
    await expect(sesEmailSender({ client }).send(message)).rejects.toMatchObject({
      name: 'EmailSendFailedError',
      permanent: false,
      code,
    });
  });

  it('treats a response without MessageId as transient', async () => {
    ses.on(SendEmailCommand).resolves({});
    await expect(sesEmailSender({ client }).send(message)).rejects.toMatchObject({
      permanent: false,
      code: 'MissingMessageId',
    });
  });

  it('refuses an unsafe idempotency key without calling SES', async () => {
    await expect(
      sesEmailSender({ client }).send({ ...message, idempotencyKey: 'a\r\nBcc: x' }),
    ).rejects.toMatchObject({
      permanent: true,
    });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
