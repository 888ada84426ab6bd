import type { Job } from '../jobs';
import type { RebuildProgress } from '../projectionVersions';
import type { CommandGroup } from './commandGroup';
import { followAndReport } from './followAndReport';

/** `mtd projections rebuild`: the read models folded again into a new version (a job in the runtime). */
export const projections: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('projections')
      .description('the read models (order views, timelines, statistics)');
    group
      .command('rebuild')
      .description(
        'rebuild the read models from the event store into a new version; switch to it when caught up',
      )
      .option('--no-follow', 'start the job and print its id without following it')
      .option('--json', 'the finished job as JSON')
      .action(async (options) => {
        const job = await cli.runtime().call<Job>('/api/admin/jobs/projections-rebuild', { method: 'POST' });
        const finished = await followAndReport(cli, job, {
          follow: options.follow,
          json: options.json ?? false,
        });
        if (!finished || options.json) return;
        const progress = finished.result as RebuildProgress;
        cli.log(
          `projections v${progress.version} active: ${progress.eventsProcessed} events at ${progress.eventsPerSecond} events/s`,
        );
      });
  },
};
