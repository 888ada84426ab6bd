import { formatTable } from '../formatTable';
import type { Job } from '../jobs';
import { describe } from '../progressDisplay';
import type { CommandGroup } from './commandGroup';
import { followAndReport } from './followAndReport';

/** `mtd jobs list | show`: the long jobs of the running runtime (replay, rebuild, audit verify). */
export const jobs: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('jobs')
      .description('long jobs running in MTD (replay, projections rebuild, audit verify)');
    group
      .command('list')
      .description('recent jobs, newest first')
      .option('--json', 'as JSON')
      .action(async (options) => {
        const result = await cli.runtime().call<{ items: Job[] }>('/api/admin/jobs');
        if (options.json) return cli.print(result);
        cli.log(
          formatTable(
            result.items.map((job) => ({ ...job, progress: describe(job.progress) })),
            ['id', 'kind', 'status', 'startedAt', 'finishedAt', 'progress'],
          ),
        );
      });
    group
      .command('show')
      .description("a job's state; --follow waits for its end, showing progress")
      .argument('<id>', 'the job id (printed when it started; mtd jobs list)')
      .option('--follow', 'follow it until it ends')
      .option('--json', 'as JSON')
      .action(async (id, options) => {
        const job = await cli.runtime().call<Job>(`/api/admin/jobs/${encodeURIComponent(id)}`);
        if (options.follow) {
          const finished = await followAndReport(cli, job, { follow: true, json: options.json ?? false });
          if (finished && !options.json) cli.log(`${finished.id}: ${finished.status}`);
          return;
        }
        if (options.json) return cli.print(job);
        cli.log(`${job.id} (${job.kind}): ${job.status}, ${describe(job.progress)}`);
        if (job.error) cli.log(`error: ${job.error}`);
      });
  },
};
