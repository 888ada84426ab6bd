import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchProjectionWatermark } from '#adapters/cloudWatchProjectionWatermark';

const cloudWatch = mockClient(CloudWatchClient);
const now = new Date('2026-11-24T11:00:00.000Z');
const minute = (hhmm: string) => new Date(`2026-11-24T${hhmm}:00.000Z`);

const watermark = () =>
  cloudWatchProjectionWatermark({
    client: new CloudWatchClient({ region: 'us-east-1' }),
    clock: { now: () => now },
    queueName: 'mtd-dev-projection-projectOrderOnEvent',
    publisherFunctionName: 'mtd-dev-outbox-publisher',
  });

describe('cloudWatchProjectionWatermark', () => {
  beforeEach(() => cloudWatch.reset());

  it('asks for the queue age and the publisher iterator age over the last 15 minutes, in one call', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await watermark()();
    const calls = cloudWatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      StartTime: minute('10:45'),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'queueAge',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: 'mtd-dev-projection-projectOrderOnEvent' }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        },
        {
          Id: 'publisherLag',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'IteratorAge',
              Dimensions: [{ Name: 'FunctionName', Value: 'mtd-dev-outbox-publisher' }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: true,
        },
      ],
    });
  });

  it('is the latest queue datapoint minus its age, the worst publisher lag and the delivery margin', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        // Not sorted on purpose: the latest timestamp wins, not the first entry.
        {
          Id: 'queueAge',
          Timestamps: [minute('10:56'), minute('10:57'), minute('10:55')],
          Values: [900, 120, 30],
        },
        { Id: 'publisherLag', Timestamps: [minute('10:57'), minute('10:50')], Values: [2_000, 15_000] },
      ],
    });
    // 10:57 − 120 s − 15 s − 60 s
    expect(await watermark()()).toEqual(new Date('2026-11-24T10:53:45.000Z'));
  });

  it('takes no publisher lag when the publisher was not invoked in the window', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'queueAge', Timestamps: [minute('10:57')], Values: [0] }],
    });
    expect(await watermark()()).toEqual(minute('10:56'));
  });

  it('is unknown without a queue datapoint', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'queueAge', Timestamps: [], Values: [] },
        { Id: 'publisherLag', Timestamps: [minute('10:57')], Values: [10] },
      ],
    });
    expect(await watermark()()).toBeUndefined();
  });
});
