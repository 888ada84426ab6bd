import { numberOption } from '../cliContext';
import { formatTable } from '../formatTable';
import type { CommandGroup } from './commandGroup';

/** `mtd orders`: orders in process, or in one stage. */
export const orders: CommandGroup = {
  register(program, cli) {
    program
      .command('orders')
      .description('orders in process (or in one stage), newest first')
      .option(
        '--stage <stage>',
        'only this stage (pending, received, accepted, rejected, dte-issued, broadcast, notified, completed)',
      )
      .option(
        '--limit <n>',
        'at most N orders',
        numberOption('a whole number above 0', (n) => Number.isInteger(n) && n > 0),
        50,
      )
      .option('--json', 'the API answer as JSON (for scripts)')
      .action(async (options) => {
        const query = new URLSearchParams();
        if (options.stage) query.set('stage', options.stage);
        query.set('limit', String(options.limit));
        const result = await cli.runtime().call<{ items: Record<string, unknown>[] }>(`/api/orders?${query}`);
        if (options.json) return cli.print(result);
        cli.log(
          formatTable(result.items, ['orderId', 'stage', 'folio', 'total', 'receivedAt', 'exception'], {
            exception: (e) =>
              e ? `${(e as { stage: string }).stage}: ${(e as { reason: string }).reason}` : '',
          }),
        );
      });
  },
};
