import { afterEach, describe, expect, it, vi } from 'vitest';
import { synthMtd } from './synthMtd';

describe('cdk-nag AwsSolutions checks', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('synthesises every stack of every stage with zero unacknowledged findings', () => {
    for (const stage of ['dev', 'qa', 'prod']) {
      expect(Object.keys(synthMtd({ stage }).templates), stage).toHaveLength(6);
    }
  });

  it('passes with a concrete environment too, as under the cdk CLI', () => {
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '111122223333');
    vi.stubEnv('CDK_DEFAULT_REGION', 'us-east-1');
    expect(Object.keys(synthMtd({ stage: 'dev' }).templates)).toHaveLength(6);
  });

  it('fails synth when one acknowledgement is removed, so every acknowledgement is load-bearing', () => {
    vi.stubEnv('MTD_SKIP_ACK', 'AwsSolutions-SMG4');
    expect(() => synthMtd({ stage: 'dev', services: ['dte'] })).toThrow(
      /Validation failed|ValidationFailed|AwsSolutions-SMG4/,
    );
  });
});

describe('acknowledgements that match nothing', () => {
  it('fail synth, naming the rule and the construct', async () => {
    const { App } = await import('aws-cdk-lib');
    const { addMtdStacks } = await import('../lib/mtdApp');
    const { acknowledge } = await import('../lib/nag');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const { services } = addMtdStacks(app, { stage: 'dev', services: ['dte'] });
    // A queue with a DLQ has no SQS3 finding: this acknowledgement covers nothing.
    acknowledge(services.dte!.consumers[0]!.queue, 'AwsSolutions-SQS3', 'stale');
    expect(() => app.synth()).toThrow(
      /acknowledgement of AwsSolutions-SQS3 on mtd-dev-dte\/\w+\/Queue matches no finding/,
    );
  });
});
