import { EventBridgeClient, PutRuleCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { OrderAcceptedV1, Sources } from '@mtd/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAws } from '../cloud/localAws';

/** The emulated cloud's EventBridge reads patterns as EventBridge does (platform's parseEventPattern). */
describe("the emulated cloud's EventBridge wire API", () => {
  let bus: Awaited<ReturnType<typeof startLocalAws>>;
  let client: EventBridgeClient;
  beforeAll(async () => {
    bus = await startLocalAws({
      account: '123456789012',
      region: 'us-east-1',
      rules: [],
      deliver: async () => {},
      secrets: new Map(),
      metricValue: () => undefined,
      clock: () => new Date('2026-11-24T12:00:00Z'),
    });
    client = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await bus.close();
  });

  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: Error) => ({ name: error.name, message: error.message }),
    );

  it('PutRule refuses what EventBridge refuses, saying what and where', async () => {
    expect(
      await rejection(
        client.send(
          new PutRuleCommand({
            Name: 'one-host',
            EventPattern: JSON.stringify({ detail: { clientIp: [{ cidr: '10.0.0.1/32' }] } }),
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidEventPatternException',
      message: expect.stringMatching(/detail\.clientIp.*IPv4 mask bits must be < 32/),
    });
    expect(
      await rejection(
        client.send(
          new PutRuleCommand({ Name: 'long', EventPattern: JSON.stringify({ source: ['x'.repeat(2100)] }) }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidEventPatternException' });
    const accepted = await client.send(
      new PutRuleCommand({
        Name: 'network',
        EventPattern: JSON.stringify({ detail: { clientIp: [{ cidr: '10.0.0.0/8' }] } }),
      }),
    );
    expect(accepted.RuleArn).toBe('arn:aws:events:us-east-1:123456789012:rule/network');
  });

  it('TestEventPattern matches as the engine does and refuses an invalid pattern', async () => {
    const event = {
      id: '1',
      account: '123456789012',
      source: Sources.intake,
      time: '2026-11-24T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      'detail-type': OrderAcceptedV1.detailType,
      detail: { clientIp: '010.0.0.1' },
    };
    const test = (pattern: unknown) =>
      client.send(
        new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }),
      );
    // A plain string holding an IP address is compared as the address (event-ruler's CIDR rules).
    expect((await test({ detail: { clientIp: ['10.0.0.1'] } })).Result).toBe(true);
    expect((await test({ detail: { clientIp: ['10.0.0.2'] } })).Result).toBe(false);
    expect((await test({ detail: { clientIp: [{ cidr: '10.0.0.0/24' }] } })).Result).toBe(true);
    expect(await rejection(test({ detail: { clientIp: [{ cidr: '::1/128' }] } }))).toMatchObject({
      name: 'InvalidEventPatternException',
    });
  });
});
