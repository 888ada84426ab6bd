import type { Cli } from '../cliContext';
import { followJob, interruptSignal, requireDone } from '../jobFollower';
import type { Job } from '../jobs';

/**
 * The CLI side of a job the runtime runs: with `follow` false, print its id and return; else follow
 * it to the end with a progress display (bar on a terminal, plain lines otherwise) and return it
 * done (a failed job throws: exit 1). With `json`, the finished job is printed as JSON.
 */
export async function followAndReport(
  cli: Cli,
  job: Job,
  options: { follow: boolean; json: boolean },
): Promise<Job | undefined> {
  if (!options.follow) {
    if (options.json) cli.print(job);
    else cli.log(`job ${job.id} started; follow it with: mtd jobs show ${job.id} --follow`);
    return undefined;
  }
  const interrupt = interruptSignal();
  try {
    const finished = await followJob(cli.runtime(), job, {
      display: cli.progress(`${job.kind} ${job.id}`),
      signal: interrupt.signal,
    });
    if (options.json) cli.print(finished);
    return requireDone(finished);
  } finally {
    interrupt.release();
  }
}
