import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  type EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import type { JobProgress } from './jobs';

export interface StageReplayRequest {
  /** The deployed stage: its archive is `mtd-<stage>-archive` on bus `mtd-<stage>-bus` (infra/lib/stage.ts). */
  stage: string;
  from: Date;
  to: Date;
  replayName: string;
}

export interface StageReplayOutcome {
  replayName: string;
  /** STARTING | RUNNING | CANCELLING | COMPLETED | CANCELLED | FAILED (the last one seen). */
  state: string;
  stateReason?: string;
  from: string;
  to: string;
  /** The event time up to which EventBridge has replayed (DescribeReplay's EventLastReplayedTime). */
  replayedThrough?: string;
  /** When EventBridge started and ended the replay. */
  startedAt?: string;
  endedAt?: string;
}

/** The stage has no archive: not deployed, another account or region, or a typo in the stage. */
export class StageArchiveNotFoundError extends Error {
  override readonly name = 'StageArchiveNotFoundError';
}

/**
 * `mtd replay --stage <stage>`: an EventBridge archive replay of a deployed stage, onto its own bus
 * (consumers see `replay-name` and skip external effects). Starts it, then follows DescribeReplay,
 * reporting how far through the period it is, until it completes, fails or is cancelled.
 */
export async function replayStage(
  client: Pick<EventBridgeClient, 'send'>,
  request: StageReplayRequest,
  onProgress: (progress: JobProgress) => void,
  options: { pollMs?: number; signal?: AbortSignal } = {},
): Promise<StageReplayOutcome> {
  const archiveName = `mtd-${request.stage}-archive`;
  const archive = await client
    .send(new DescribeArchiveCommand({ ArchiveName: archiveName }))
    .catch((error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
      throw new StageArchiveNotFoundError(
        `archive ${archiveName} does not exist in this account and region: is stage ${request.stage} deployed (mtd-${request.stage}-platform)?`,
        { cause: error },
      );
    });
  if (!archive.ArchiveArn || !archive.EventSourceArn)
    throw new Error(`archive ${archiveName} has no ARN or bus: is stage ${request.stage} deployed?`);
  await client.send(
    new StartReplayCommand({
      ReplayName: request.replayName,
      EventSourceArn: archive.ArchiveArn,
      EventStartTime: request.from,
      EventEndTime: request.to,
      Destination: { Arn: archive.EventSourceArn },
      Description: `mtd replay --stage ${request.stage}`,
    }),
  );
  const span = Math.max(1, request.to.getTime() - request.from.getTime());
  for (;;) {
    const replay: DescribeReplayCommandOutput = await client.send(
      new DescribeReplayCommand({ ReplayName: request.replayName }),
    );
    const state = replay.State ?? 'STARTING';
    const through = replay.EventLastReplayedTime?.getTime();
    const percent =
      state === 'COMPLETED'
        ? 100
        : through
          ? Math.floor(((through - request.from.getTime()) / span) * 100)
          : 0;
    onProgress({
      done: Math.max(0, Math.min(100, percent)),
      total: 100,
      unit: '%',
      detail: `${state.toLowerCase()}${through ? `, through ${new Date(through).toISOString()}` : ''}`,
    });
    if (state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELLED')
      return {
        replayName: request.replayName,
        state,
        ...(replay.StateReason ? { stateReason: replay.StateReason } : {}),
        from: request.from.toISOString(),
        to: request.to.toISOString(),
        ...(through ? { replayedThrough: new Date(through).toISOString() } : {}),
        ...(replay.ReplayStartTime ? { startedAt: replay.ReplayStartTime.toISOString() } : {}),
        ...(replay.ReplayEndTime ? { endedAt: replay.ReplayEndTime.toISOString() } : {}),
      };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2_000));
    if (options.signal?.aborted) throw new Error(`stopped following replay ${request.replayName}`);
  }
}
