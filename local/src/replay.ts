import type { EventPattern, Subscription } from '@mtd/contracts';
import { type Clock, type ReplayResult, type SubscriptionRunner, validateEventPattern } from '@mtd/platform';

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

export interface ReplayDeps {
  runners: SubscriptionRunner[];
  subscriptions: readonly Subscription[];
  clock: Clock;
}

/** How far a replay is: the share of its period re-delivered, and the events that matched so far. */
export interface ReplayProgress {
  percent: number;
  matched: number;
}

/** The period is re-delivered in this many consecutive slices, so a replay can tell how far it is. */
const replaySlices = 20;

/**
 * Checks a replay request before anything runs (times in order, the subscription exists, the
 * patterns are valid): a mistake is refused at once, not after a job has started.
 */
export function validateReplayRequest(deps: Pick<ReplayDeps, 'subscriptions'>, request: ReplayRequest): void {
  if (!(request.from.getTime() <= request.to.getTime()))
    throw new ReplayRequestError('--from must be a time before --to');
  if (request.toSubscription && !deps.subscriptions.some((s) => s.name === request.toSubscription))
    throw new ReplayRequestError(`no subscription named ${request.toSubscription}`);
  if (request.pattern) validateEventPattern(request.pattern);
}

/**
 * EventBridge archive replay, locally: every matching subscription gets the stored events whose
 * commit time is in range again, with a replay name. Subscriptions whose effects are external (tax
 * authority, email) are left out unless asked for, and their handlers ignore replayed events anyway.
 *
 * The period (up to now) is replayed in consecutive slices, every selected subscription in parallel
 * within a slice, which is what `onProgress` counts. Slices meet at whole milliseconds, the
 * resolution of commit times, so each commit is in exactly one.
 */
export async function replayToSubscriptions(
  deps: ReplayDeps,
  request: ReplayRequest,
  onProgress: (progress: ReplayProgress) => void = () => {},
): Promise<ReplaySummary> {
  validateReplayRequest(deps, request);
  const started = Date.now();
  const replayName = `replay-${deps.clock.now().toISOString().replace(/[:.]/g, '-')}`;
  const byName = new Map(deps.subscriptions.map((s) => [s.name, s]));
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
  const from = request.from.getTime();
  const to = request.to.getTime();
  // Nothing is committed after now: slice only the part of the period that has happened.
  const end = Math.max(from, Math.min(to, deps.clock.now().getTime()));
  const slices = Math.max(1, Math.min(replaySlices, end - from + 1));
  const step = (end - from + 1) / slices;
  const matched = new Map(selected.map((runner) => [runner.name, 0]));
  const total = () => [...matched.values()].reduce((a, b) => a + b, 0);
  for (let i = 0; i < slices; i++) {
    const sliceFrom = from + Math.round(i * step);
    const sliceTo = i === slices - 1 ? to : from + Math.round((i + 1) * step) - 1;
    const results = await Promise.all(
      selected.map((runner) =>
        runner.replay({
          from: new Date(sliceFrom),
          to: new Date(sliceTo),
          replayName,
          ...(request.pattern ? { pattern: request.pattern } : {}),
        }),
      ),
    );
    for (const result of results)
      matched.set(result.subscription, (matched.get(result.subscription) ?? 0) + result.matched);
    onProgress({ percent: Math.round(((i + 1) / slices) * 100), matched: total() });
  }
  return {
    replayName,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    subscriptions: selected.map((runner) => ({
      subscription: runner.name,
      matched: matched.get(runner.name) ?? 0,
    })),
    skipped,
    durationMs: Date.now() - started,
  };
}
