import type { EventPattern, Subscription } from '@mtd/contracts';
import type { Clock, ReplayResult, SubscriptionRunner } from '@mtd/platform';

export interface ReplayRequest {
  from: Date;
  to: Date;
  pattern?: EventPattern;
  /** Only this subscription. */
  toSubscription?: string;
  /** Also replay to subscriptions with external effects (their handlers still ignore replays). */
  includeExternal?: boolean;
}

export interface ReplaySummary {
  replayName: string;
  from: string;
  to: string;
  subscriptions: ReplayResult[];
  skipped: { subscription: string; reason: string }[];
  durationMs: number;
}

export class ReplayRequestError extends Error {
  override readonly name = 'ReplayRequestError';
}

/**
 * EventBridge archive replay, locally: every matching subscription gets the stored events whose
 * commit time is in range again, with a replay name. Subscriptions whose effects are external (tax
 * authority, email) are left out unless asked for, and their handlers ignore replayed events anyway.
 */
export async function replayToSubscriptions(
  deps: { runners: SubscriptionRunner[]; subscriptions: readonly Subscription[]; clock: Clock },
  request: ReplayRequest,
): Promise<ReplaySummary> {
  if (!(request.from.getTime() <= request.to.getTime()))
    throw new ReplayRequestError('--from must be a time before --to');
  const started = Date.now();
  const replayName = `replay-${deps.clock.now().toISOString().replace(/[:.]/g, '-')}`;
  const byName = new Map(deps.subscriptions.map((s) => [s.name, s]));
  if (request.toSubscription && !byName.has(request.toSubscription))
    throw new ReplayRequestError(`no subscription named ${request.toSubscription}`);
  const skipped: ReplaySummary['skipped'] = [];
  const selected = deps.runners.filter((runner) => {
    const subscription = byName.get(runner.name);
    if (!subscription) return false;
    if (request.toSubscription && runner.name !== request.toSubscription) return false;
    if (subscription.effects === 'external' && !request.includeExternal) {
      skipped.push({ subscription: runner.name, reason: 'external effects (use --include-external)' });
      return false;
    }
    return true;
  });
  const results = await Promise.all(
    selected.map((runner) =>
      runner.replay({
        from: request.from,
        to: request.to,
        replayName,
        ...(request.pattern ? { pattern: request.pattern } : {}),
      }),
    ),
  );
  return {
    replayName,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    subscriptions: results,
    skipped,
    durationMs: Date.now() - started,
  };
}
