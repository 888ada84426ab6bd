import { formatTable } from '../formatTable';
import type { CommandGroup } from './commandGroup';

/** `mtd trace <orderId>`: an order's view and its timeline of events. */
export const trace: CommandGroup = {
  register(program, cli) {
    program
      .command('trace')
      .description('an order and its timeline (every event, in order)')
      .argument('<orderId>', 'the order id, e.g. PO-1001')
      .option('--json', 'the API answer as JSON')
      .action(async (orderId, options) => {
        const result = await cli
          .runtime()
          .call<{ order: Record<string, unknown>; timeline: Record<string, unknown>[] }>(
            `/api/orders/${encodeURIComponent(orderId)}`,
          );
        if (options.json) return cli.print(result);
        cli.log(`${orderId}: ${String(result.order.stage)}`);
        cli.log(formatTable(result.timeline, ['occurredAt', 'type', 'streamId', 'streamVersion', 'summary']));
      });
  },
};
