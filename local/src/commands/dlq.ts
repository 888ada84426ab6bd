import type { DeadLetter } from '@mtd/platform';
import { CliUsageError } from '../cliErrors';
import { formatTable } from '../formatTable';
import type { CommandGroup } from './commandGroup';

/** `mtd dlq list | show | redrive`: dead letters of the local subscriptions. */
export const dlq: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('dlq')
      .description('dead letters of the local subscriptions: list, show, redrive');
    group
      .command('list')
      .description('every dead (and retrying) letter')
      .option('--status <status>', 'only "dead" or only "retrying"')
      .option('--json', 'as JSON')
      .action(async (options) => {
        const query = options.status ? `?status=${encodeURIComponent(options.status)}` : '';
        const result = await cli
          .runtime()
          .call<{ items: Record<string, unknown>[] }>(`/api/dead-letters${query}`);
        if (options.json) return cli.print(result);
        cli.log(
          formatTable(result.items, ['subscription', 'eventId', 'event', 'status', 'attempts', 'lastError']),
        );
      });
    group
      .command('show')
      .description('one dead letter with the error of every attempt')
      .argument('<subscription>', 'the subscription, e.g. notifyCustomerOnDteIssued')
      .argument('<eventId>', "the event's id (mtd dlq list shows it)")
      .option('--json', 'as JSON')
      .action(async (subscription, eventId, options) => {
        const letter = await cli
          .runtime()
          .call<DeadLetter>(
            `/api/admin/dead-letters/${encodeURIComponent(subscription)}/${encodeURIComponent(eventId)}`,
          );
        if (options.json) return cli.print(letter);
        cli.log(
          `${letter.subscription} ${letter.eventId}: ${letter.status} after ${letter.attempts} attempts`,
        );
        if (letter.replayName) cli.log(`replay: ${letter.replayName}`);
        cli.log(`last error: ${letter.lastError}`);
        for (const a of letter.history) cli.log(`  attempt ${a.attempt} at ${a.at}: ${a.error}`);
        cli.log(`event: ${JSON.stringify(letter.detail)}`);
      });
    group
      .command('redrive')
      .description('deliver dead letters again: one (<subscription> <eventId>) or --all')
      .argument('[subscription]', 'the subscription of the letter')
      .argument('[eventId]', "the letter's event id")
      .option('--all', 'every dead letter (of one subscription with --to-subscription)')
      .option('--to-subscription <name>', 'with --all: only this subscription')
      .option('--json', 'as JSON')
      .action(async (subscription, eventId, options) => {
        if (options.all) {
          if (subscription)
            throw new CliUsageError(
              'mtd dlq redrive --all takes no letter: use --to-subscription NAME to narrow it',
            );
          const only = options.toSubscription;
          const result = await cli
            .runtime()
            .call<{ redriven: { subscription: string; eventId: string }[] }>(
              `/api/admin/dead-letters/redrive${only ? `?subscription=${encodeURIComponent(only)}` : ''}`,
              { method: 'POST' },
            );
          if (options.json) return cli.print(result);
          cli.log(`redriven ${result.redriven.length} dead letter(s)`);
          for (const l of result.redriven) cli.log(`  ${l.subscription} ${l.eventId}`);
          return;
        }
        if (!subscription || !eventId)
          throw new CliUsageError('usage: mtd dlq redrive <subscription> <eventId> | mtd dlq redrive --all');
        const result = await cli
          .runtime()
          .call<{ redriven: string; subscription: string }>(
            `/api/dead-letters/${encodeURIComponent(subscription)}/${encodeURIComponent(eventId)}/redrive`,
            { method: 'POST' },
          );
        if (options.json) return cli.print(result);
        cli.log(`redriven ${result.subscription} ${result.redriven}: delivered again now`);
      });
  },
};
