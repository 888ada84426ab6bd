import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stageSettings } from '../lib/stage';
import { resourcesOf, type Synthesized, synthMtd } from './synthMtd';

let qa: Synthesized;
beforeAll(() => {
  qa = synthMtd({ stage: 'qa' });
});

const tpl = (name: string) => {
  const template = qa.templates[name];
  if (!template) throw new Error(`no stack ${name}`);
  return template;
};
const stacks = () => Object.keys(qa.templates);

describe('observability of the qa stage', () => {
  it('traces every function with X-Ray (active tracing) and the intake API stage too', () => {
    let functions = 0;
    for (const name of stacks()) {
      for (const [id, fn] of resourcesOf(tpl(name), 'AWS::Lambda::Function')) {
        functions++;
        expect(fn.Properties?.TracingConfig, `${name}/${id}`).toEqual({ Mode: 'Active' });
      }
    }
    expect(functions).toBeGreaterThan(10);
    tpl('mtd-qa-intake').hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });

  it('gives every stack one alarm topic, subscribed by the stage’s alarm emails, and every alarm an action on it', () => {
    const emails = stageSettings('qa').alarmEmails;
    expect(emails.length).toBeGreaterThan(0);
    for (const name of stacks()) {
      const template = tpl(name);
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Topic', { TopicName: `${name}-alarms` });
      for (const email of emails)
        template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email });
      const [[topicId]] = resourcesOf(template, 'AWS::SNS::Topic') as [[string, unknown]];
      for (const [id, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm'))
        expect(alarm.Properties?.AlarmActions, `${name}/${id}`).toEqual([{ Ref: topicId }]);
    }
  });

  it('has no subscriptions in dev, where alarmEmails is empty', () => {
    const dev = synthMtd({ stage: 'dev', services: ['dte'] });
    dev.templates['mtd-dev-dte']!.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('alarms on the intake API’s 5XX answers and p99 latency, with the stage’s thresholds', () => {
    const settings = stageSettings('qa');
    const intake = tpl('mtd-qa-intake');
    intake.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mtd-qa-intake-api-5xx',
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Sum',
      Threshold: settings.api5xxThreshold,
      Dimensions: Match.arrayWith([{ Name: 'ApiName', Value: 'mtd-qa-intake-api' }]),
    });
    intake.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mtd-qa-intake-api-latency-p99',
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: settings.apiLatencyP99.toMilliseconds(),
      EvaluationPeriods: 3,
    });
  });

  it('alarms on the query API’s function URL 5XX and p99 latency', () => {
    const projection = tpl('mtd-qa-projection');
    projection.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mtd-qa-projection-query-api-url-5xx',
      MetricName: 'Url5xxCount',
    });
    projection.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mtd-qa-projection-query-api-url-latency-p99',
      MetricName: 'UrlRequestLatency',
      ExtendedStatistic: 'p99',
    });
  });

  it('declares the SES identity of the stage’s domain, with DKIM, and lets the notifier send only from it', () => {
    const settings = stageSettings('qa');
    const notification = tpl('mtd-qa-notification');
    notification.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: settings.emailDomain,
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    const outputs = notification.findOutputs('*');
    expect(Object.keys(outputs).filter((k) => k.startsWith('DkimRecord'))).toHaveLength(3);
    const statements = resourcesOf(notification, 'AWS::IAM::Policy').flatMap(
      ([, p]) =>
        (p.Properties!.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    const [[identityId]] = resourcesOf(notification, 'AWS::SES::EmailIdentity') as [[string, unknown]];
    const send = statements.filter((s) => s.Action === 'ses:SendEmail');
    expect(send.length).toBeGreaterThan(0);
    for (const s of send) expect(JSON.stringify(s.Resource)).toContain(`:identity/",{"Ref":"${identityId}"}`);
  });
});
