import { Sources } from '@mtd/contracts';
import { CfnOutput } from 'aws-cdk-lib';
import { CfnRule, EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
} from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { deadLetterAlarm } from './monitoring';
import { lambdaEntry } from './paths';
import { queueWithDlq } from './queues';
import { ServiceStack, type ServiceStackProps } from './serviceStack';
import { resourceName } from './stage';

/** The SES delivery events routed back: the ones that mean a customer did not get the email. */
export const sesFeedbackEvents = [
  EmailSendingEvent.BOUNCE,
  EmailSendingEvent.COMPLAINT,
  EmailSendingEvent.REJECT,
  EmailSendingEvent.RENDERING_FAILURE,
  EmailSendingEvent.DELIVERY_DELAY,
];

/** EventBridge detail-types SES uses for those events (on the account's default bus). */
export const sesFeedbackDetailTypes = [
  'Email Bounced',
  'Email Complaint Received',
  'Email Rejected',
  'Email Rendering Failed',
  'Email Delivery Delayed',
];

/**
 * notification: the SES v2 configuration set whose bounce/complaint events come back through
 * EventBridge, and the consumer that emails customers.
 */
export class NotificationStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, 'notification', props);
    const { stage } = this.settings;
    const configurationSetName = resourceName(stage, 'notification');

    const configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName,
    });
    // The sending domain, with Easy DKIM: SES verifies it once the three CNAMEs below are in its DNS
    // (outputs of this stack); until then SES refuses to send from it. Mail from it uses the
    // configuration set by default, so bounces come back even for a sender that forgets to name it.
    const identity = new EmailIdentity(this, 'EmailIdentity', {
      identity: Identity.domain(this.settings.emailDomain),
      configurationSet,
    });
    for (const n of [1, 2, 3] as const) {
      new CfnOutput(this, `DkimRecord${n}`, {
        description: `DNS CNAME ${n} of 3 that verifies ${this.settings.emailDomain} for SES`,
        value: `${identity[`dkimDnsTokenName${n}`]} CNAME ${identity[`dkimDnsTokenValue${n}`]}`,
      });
    }

    // SES can only send its events to the account's default bus.
    const defaultBus = EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    configurationSet.addEventDestination('ToEventBridge', {
      configurationSetEventDestinationName: 'eventbridge',
      destination: EventDestination.eventBus(defaultBus),
      events: sesFeedbackEvents,
    });

    // Bounces and complaints of this configuration set → a feedback queue operators watch (alarm
    // on ≥ 1 message). Turning them into CustomerNotificationFailed needs a notification handler
    // that does not exist yet; the queue keeps them (14 days) until it does.
    const feedback = queueWithDlq(this, 'SesFeedback', {
      queueName: resourceName(stage, 'notification', 'ses-feedback'),
      removalPolicy: this.settings.removalPolicy,
    });
    const feedbackRule = new CfnRule(this, 'SesFeedbackRule', {
      name: resourceName(stage, 'notification', 'ses-feedback'),
      description: 'SES bounces, complaints, rejections and delays of MTD customer emails',
      eventBusName: 'default',
      eventPattern: {
        source: ['aws.ses'],
        'detail-type': sesFeedbackDetailTypes,
        detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName] } } },
      },
      targets: [
        { id: 'feedback', arn: feedback.queue.queueArn, deadLetterConfig: { arn: feedback.dlq.queueArn } },
      ],
    });
    for (const target of [feedback.queue, feedback.dlq]) {
      target.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [target.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': feedbackRule.attrArn } },
        }),
      );
    }
    deadLetterAlarm(
      this,
      'SesFeedbackAlarm',
      feedback.queue,
      this.alarmTopic,
      'A customer email bounced, was complained about, rejected or delayed: read the message (SES event with the orderId tag), fix the address with the customer, and ask an operator to retry.',
    );
    deadLetterAlarm(this, 'SesFeedbackDlqAlarm', feedback.dlq, this.alarmTopic);

    const claims = this.addEffectClaimsTable();
    const entry = lambdaEntry('services/notification/src/aws/notificationLambda.ts');
    for (const subscription of this.ownSubscriptions()) {
      const consumer = this.addConsumer(subscription, {
        entry,
        environment: {
          ...this.eventStoreEnvironment,
          EMAIL_FROM: this.settings.emailFrom,
          SES_CONFIGURATION_SET: configurationSet.configurationSetName,
          OPERATIONS_EMAIL: this.settings.operationsEmail,
          EFFECT_CLAIMS_TABLE: claims.ref,
        },
      });
      this.grantEffectClaims(consumer, claims);
      this.grantEventStore(consumer, Sources.notification, ['notification-']);
      consumer.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            identity.emailIdentityArn,
            this.formatArn({
              service: 'ses',
              resource: 'configuration-set',
              resourceName: configurationSet.configurationSetName,
            }),
          ],
        }),
      );
    }
  }
}
