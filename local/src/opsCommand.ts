import { readFileSync } from 'node:fs';
import type { DeadLetter } from '@mtd/platform';
import type { RebuildProgress } from './projectionVersions';
import type { ReplaySummary } from './replay';

/** The CLI's authenticated call to the running runtime (cli.ts's `api`). */
export type ApiCall = <T>(path: string, init?: { method?: string; body?: string }) => Promise<T>;

export interface OpsOptions {
  json?: boolean;
  all?: boolean;
  from?: string;
  to?: string;
  pattern?: string;
  'to-subscription'?: string;
  'include-external'?: boolean;
}

/** A command typed wrong: the CLI prints it and exits 1. */
export class OpsUsageError extends Error {
  override readonly name = 'OpsUsageError';
}

/**
 * `mtd dlq show | redrive --all`, `mtd replay …`, `mtd projections rebuild`: the local bus's
 * operations, all through the runtime's admin API (`/api/admin`).
 */
export async function opsCommand(
  [command, sub, ...rest]: string[],
  options: OpsOptions,
  api: ApiCall,
  print: (value: unknown) => void,
  log: (line: string) => void = (line) => console.log(line),
  pollMs = 500,
): Promise<void> {
  try {
    if (command === 'dlq' && sub === 'show') {
      const [subscription, eventId] = rest;
      if (!subscription || !eventId) throw new OpsUsageError('usage: mtd dlq show <subscription> <eventId>');
      const letter = await api<DeadLetter>(
        `/api/admin/dead-letters/${encodeURIComponent(subscription)}/${encodeURIComponent(eventId)}`,
      );
      if (options.json) return print(letter);
      log(`${letter.subscription} ${letter.eventId}: ${letter.status} after ${letter.attempts} attempts`);
      if (letter.replayName) log(`replay: ${letter.replayName}`);
      log(`last error: ${letter.lastError}`);
      for (const a of letter.history) log(`  attempt ${a.attempt} at ${a.at}: ${a.error}`);
      log(`event: ${JSON.stringify(letter.detail)}`);
      return;
    }
    if (command === 'dlq' && sub === 'redrive' && options.all) {
      const only = options['to-subscription'];
      const result = await api<{ redriven: { subscription: string; eventId: string }[] }>(
        `/api/admin/dead-letters/redrive${only ? `?subscription=${encodeURIComponent(only)}` : ''}`,
        { method: 'POST' },
      );
      if (options.json) return print(result);
      log(`redriven ${result.redriven.length} dead letter(s)`);
      for (const l of result.redriven) log(`  ${l.subscription} ${l.eventId}`);
      return;
    }
    if (command === 'replay') {
      if (!options.from || !options.to)
        throw new OpsUsageError(
          'usage: mtd replay --from <ISO time> --to <ISO time> [--pattern <file>] [--to-subscription <name>] [--include-external]',
        );
      const body = {
        from: options.from,
        to: options.to,
        ...(options.pattern ? { pattern: JSON.parse(readFileSync(options.pattern, 'utf8')) } : {}),
        ...(options['to-subscription'] ? { toSubscription: options['to-subscription'] } : {}),
        includeExternal: options['include-external'] ?? false,
      };
      const summary = await api<ReplaySummary>('/api/admin/replay', {
        method: 'POST',
        body: JSON.stringify(body),
      });
      if (options.json) return print(summary);
      log(`${summary.replayName}: ${summary.from} .. ${summary.to} in ${summary.durationMs} ms`);
      for (const s of summary.subscriptions) log(`  ${s.subscription.padEnd(36)} ${s.matched} events`);
      for (const s of summary.skipped) log(`  ${s.subscription.padEnd(36)} skipped: ${s.reason}`);
      return;
    }
    if (command === 'projections' && sub === 'rebuild') {
      let progress = await api<RebuildProgress>('/api/admin/projections/rebuild', { method: 'POST' });
      while (progress.status === 'running') {
        log(`v${progress.version}: ${progress.eventsProcessed} events, ${progress.eventsPerSecond} events/s`);
        await new Promise((r) => setTimeout(r, pollMs));
        progress = await api<RebuildProgress>('/api/admin/projections/rebuild');
      }
      if (options.json) return print(progress);
      if (progress.status === 'failed')
        throw new OpsUsageError(`rebuild of v${progress.version} failed: ${progress.error}`);
      log(
        `projections v${progress.version} active: ${progress.eventsProcessed} events at ${progress.eventsPerSecond} events/s`,
      );
      return;
    }
    throw new OpsUsageError(
      'usage: mtd dlq show <subscription> <eventId> | mtd dlq redrive --all | mtd replay … | mtd projections rebuild',
    );
  } catch (error) {
    if (!(error instanceof OpsUsageError)) throw error;
    console.error(`mtd: ${error.message}`);
    process.exitCode = 1;
  }
}
