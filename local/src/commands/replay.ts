import { requireAwsConfigured } from '../awsConfiguration';
import { type Cli, isoTime } from '../cliContext';
import { CliUsageError } from '../cliErrors';
import { interruptSignal } from '../jobFollower';
import type { Job } from '../jobs';
import type { ReplaySummary } from '../replay';
import type { CommandGroup } from './commandGroup';
import { followAndReport } from './followAndReport';

/** `mtd replay`: EventBridge archive replay, on the local runtime (a job in it) or on a deployed stage. */
export const replay: CommandGroup = {
  register(program, cli) {
    program
      .command('replay')
      .description(
        'deliver stored events of a period again, like an EventBridge archive replay (handlers see the replay name and skip external effects)',
      )
      .requiredOption('--from <time>', 'start of the period (ISO time)', isoTime)
      .requiredOption('--to <time>', 'end of the period (ISO time)', isoTime)
      .option('--pattern <file>', 'an EventBridge pattern (JSON file) narrowing the events')
      .option('--to-subscription <name>', 'only this subscription')
      .option('--include-external', 'also the subscriptions with external effects (tax authority, email)')
      .option('--stage <stage>', "a deployed stage's archive instead of the local runtime (needs AWS)")
      .option('--no-follow', 'start the job and print its id without following it')
      .option('--json', 'the summary as JSON')
      .action(async (options) => {
        if (options.stage) {
          requireAwsConfigured(
            `mtd replay --stage ${options.stage}`,
            'Without --stage, mtd replay replays the local runtime.',
            cli.io.env,
          );
          const [{ EventBridgeClient }, { replayStage }] = await Promise.all([
            import('@aws-sdk/client-eventbridge'),
            import('../stageReplay'),
          ]);
          const display = cli.progress(`replay ${options.stage}`);
          const interrupt = interruptSignal();
          try {
            const outcome = await replayStage(
              new EventBridgeClient({}),
              {
                stage: options.stage,
                from: new Date(options.from),
                to: new Date(options.to),
                replayName: `mtd-cli-${new Date().toISOString().replace(/[:.]/g, '-')}`,
              },
              (progress) => display.update(progress),
              { signal: interrupt.signal },
            );
            display.end();
            if (options.json) return cli.print(outcome);
            cli.log(
              `${outcome.replayName}: ${outcome.state}${outcome.stateReason ? ` (${outcome.stateReason})` : ''}`,
            );
            if (outcome.state !== 'COMPLETED') process.exitCode = 1;
            return;
          } finally {
            interrupt.release();
          }
        }
        const body = {
          from: options.from,
          to: options.to,
          ...(options.pattern ? { pattern: patternFile(cli, options.pattern) } : {}),
          ...(options.toSubscription ? { toSubscription: options.toSubscription } : {}),
          includeExternal: options.includeExternal ?? false,
        };
        const job = await cli.runtime().call<Job>('/api/admin/jobs/replay', { method: 'POST', json: body });
        const finished = await followAndReport(cli, job, {
          follow: options.follow,
          json: options.json ?? false,
        });
        if (!finished || options.json) return;
        const summary = finished.result as ReplaySummary;
        cli.log(`${summary.replayName}: ${summary.from} .. ${summary.to} in ${summary.durationMs} ms`);
        for (const s of summary.subscriptions) cli.log(`  ${s.subscription.padEnd(36)} ${s.matched} events`);
        for (const s of summary.skipped) cli.log(`  ${s.subscription.padEnd(36)} skipped: ${s.reason}`);
      });
  },
};

/** The --pattern file as JSON; whether it is a valid pattern is the runtime's to say (a 400 naming where). */
function patternFile(cli: Cli, typed: string): unknown {
  const text = cli.readFile(typed, 'the pattern file');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`the pattern file ${typed} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
