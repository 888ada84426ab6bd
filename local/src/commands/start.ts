import { numberOption } from '../cliContext';
import { CliUsageError } from '../cliErrors';
import type { CommandGroup } from './commandGroup';

/** `mtd start` (what `npm start` runs): the whole platform in this process until Ctrl-C or SIGTERM. */
export const start: CommandGroup = {
  register(program, cli) {
    program
      .command('start')
      .description(
        'run MTD here: intake, DTE, notification, projection, back office, tax-authority simulator',
      )
      .option(
        '--port <n>',
        'HTTP port; 0 picks a free one (default: MTD_PORT, else 3000)',
        numberOption('a port number 0..65535', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
      )
      .option('--demo', 'feed demo orders through the front doors (2 orders/s)')
      .option(
        '--demo-rate <n>',
        'demo orders per second (it slows down by itself when MTD falls behind)',
        numberOption('a number of orders per second above 0', (n) => n > 0),
        2,
      )
      .option(
        '--demo-orders <n>',
        'stop the demo after N orders (starts the demo too)',
        numberOption('a whole number of orders above 0', (n) => Number.isInteger(n) && n > 0),
      )
      .option('--memory', 'keep DynamoDB in memory (nothing of it on disk)')
      .option(
        '--tax-failure-rate <r>',
        'share of DTE broadcasts the tax-authority simulator refuses',
        numberOption('a number between 0 and 1', (n) => n >= 0 && n <= 1),
        0,
      )
      .action(async (options) => {
        const { serveUntilStopped } = await import('../serveUntilStopped');
        const port = options.port ?? portFromEnvironment(cli.io.env.MTD_PORT);
        await serveUntilStopped({
          dataDir: cli.dataDir(),
          port,
          memory: options.memory ?? false,
          taxFailureRate: options.taxFailureRate,
          ...(options.demo || options.demoOrders !== undefined
            ? {
                demo: {
                  ratePerSecond: options.demoRate,
                  ...(options.demoOrders !== undefined ? { maxOrders: options.demoOrders } : {}),
                },
              }
            : {}),
          log: (line) => cli.log(line),
        });
      });
  },
};

/**
 * MTD_PORT, checked as --port is. Its refusal is a CliUsageError, not commander's: thrown from an
 * action, commander's own error is never printed, and a bad MTD_PORT ended with exit 2 and no word.
 */
function portFromEnvironment(value: string | undefined): number {
  if (value === undefined) return 3000;
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliUsageError(`MTD_PORT must be a port number 0..65535 (0 picks a free one), got "${value}"`);
  return port;
}
