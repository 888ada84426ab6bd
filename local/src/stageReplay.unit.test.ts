import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  ResourceNotFoundException,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { JobProgress } from './jobs';
import { replayStage, StageArchiveNotFoundError } from './stageReplay';

const eventBridge = mockClient(EventBridgeClient);
const archiveArn = 'arn:aws:events:us-east-1:111122223333:archive/mtd-qa-archive';
const busArn = 'arn:aws:events:us-east-1:111122223333:event-bus/mtd-qa-bus';
const request = {
  stage: 'qa',
  from: new Date('2026-11-24T00:00:00.000Z'),
  to: new Date('2026-11-25T00:00:00.000Z'),
  replayName: 'mtd-cli-test',
};

describe('mtd replay --stage', () => {
  beforeEach(() => {
    eventBridge.reset();
    eventBridge
      .on(DescribeArchiveCommand)
      .resolves({ ArchiveName: 'mtd-qa-archive', ArchiveArn: archiveArn, EventSourceArn: busArn });
    eventBridge.on(StartReplayCommand).resolves({ ReplayArn: 'arn:replay', State: 'STARTING' });
  });

  it("starts a replay of the stage's archive onto its own bus, and follows it to COMPLETED", async () => {
    eventBridge
      .on(DescribeReplayCommand)
      .resolvesOnce({ State: 'STARTING' })
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-11-24T06:00:00.000Z') })
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-11-24T18:00:00.000Z') })
      .resolves({
        State: 'COMPLETED',
        EventLastReplayedTime: new Date('2026-11-24T23:59:00.000Z'),
        ReplayStartTime: new Date('2026-12-01T10:00:00.000Z'),
        ReplayEndTime: new Date('2026-12-01T10:05:00.000Z'),
      });
    const progress: JobProgress[] = [];
    const outcome = await replayStage(
      eventBridge as unknown as EventBridgeClient,
      request,
      (p) => progress.push(p),
      {
        pollMs: 0,
      },
    );

    expect(eventBridge.commandCalls(DescribeArchiveCommand)[0]!.args[0].input).toEqual({
      ArchiveName: 'mtd-qa-archive',
    });
    const start = eventBridge.commandCalls(StartReplayCommand);
    expect(start).toHaveLength(1);
    expect(start[0]!.args[0].input).toEqual({
      ReplayName: 'mtd-cli-test',
      EventSourceArn: archiveArn,
      EventStartTime: request.from,
      EventEndTime: request.to,
      Destination: { Arn: busArn },
      Description: 'mtd replay --stage qa',
    });
    for (const call of eventBridge.commandCalls(DescribeReplayCommand))
      expect(call.args[0].input).toEqual({ ReplayName: 'mtd-cli-test' });
    expect(progress.map((p) => [p.done, p.detail])).toEqual([
      [0, 'starting'],
      [25, 'running, through 2026-11-24T06:00:00.000Z'],
      [75, 'running, through 2026-11-24T18:00:00.000Z'],
      [100, 'completed, through 2026-11-24T23:59:00.000Z'],
    ]);
    expect(outcome).toEqual({
      replayName: 'mtd-cli-test',
      state: 'COMPLETED',
      from: '2026-11-24T00:00:00.000Z',
      to: '2026-11-25T00:00:00.000Z',
      replayedThrough: '2026-11-24T23:59:00.000Z',
      startedAt: '2026-12-01T10:00:00.000Z',
      endedAt: '2026-12-01T10:05:00.000Z',
    });
  });

  it('reports a failed replay with the reason EventBridge gives', async () => {
    eventBridge
      .on(DescribeReplayCommand)
      .resolves({ State: 'FAILED', StateReason: 'Destination event bus not found' });
    const outcome = await replayStage(eventBridge as unknown as EventBridgeClient, request, () => {}, {
      pollMs: 0,
    });
    expect(outcome).toMatchObject({ state: 'FAILED', stateReason: 'Destination event bus not found' });
  });

  it('names the missing archive when the stage is not deployed, and starts nothing', async () => {
    eventBridge
      .on(DescribeArchiveCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'Archive mtd-qa-archive does not exist.', $metadata: {} }),
      );
    await expect(replayStage(eventBridge as unknown as EventBridgeClient, request, () => {})).rejects.toThrow(
      new StageArchiveNotFoundError(
        'archive mtd-qa-archive does not exist in this account and region: is stage qa deployed (mtd-qa-platform)?',
      ),
    );
    expect(eventBridge.commandCalls(StartReplayCommand)).toHaveLength(0);
  });

  it('stops following (the replay goes on in AWS) when asked to', async () => {
    eventBridge.on(DescribeReplayCommand).resolves({ State: 'RUNNING' });
    const stop = new AbortController();
    stop.abort();
    await expect(
      replayStage(eventBridge as unknown as EventBridgeClient, request, () => {}, {
        pollMs: 0,
        signal: stop.signal,
      }),
    ).rejects.toThrow('stopped following replay mtd-cli-test');
  });
});
