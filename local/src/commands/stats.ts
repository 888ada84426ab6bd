import { InvalidArgumentError } from '@commander-js/extra-typings';
import type { CommandGroup } from './commandGroup';

/** `mtd stats`: one business day's statistics. */
export const stats: CommandGroup = {
  register(program, cli) {
    program
      .command('stats')
      .description("a business day's statistics (default: today in America/Santiago)")
      .option('--day <YYYY-MM-DD>', 'the day', (value) => {
        // The shape alone let 2026-02-30 through, to come back from the API as exit 1.
        const day = new Date(`${value}T00:00:00Z`);
        if (
          !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
          Number.isNaN(day.getTime()) ||
          day.toISOString().slice(0, 10) !== value
        )
          throw new InvalidArgumentError('It must be a day of the calendar like 2026-11-24.');
        return value;
      })
      .option('--csv', 'as CSV')
      .option('--json', 'as JSON')
      .action(async (options) => {
        const query = new URLSearchParams();
        if (options.day) query.set('day', options.day);
        if (options.csv) {
          query.set('format', 'csv');
          cli.io.stdout.write(await cli.runtime().call<string>(`/api/stats?${query}`));
          return;
        }
        const result = await cli.runtime().call<Record<string, unknown>>(`/api/stats?${query}`);
        if (options.json) return cli.print(result);
        for (const [key, value] of Object.entries(result))
          cli.log(`${key.padEnd(24)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
      });
  },
};
