import { join } from 'node:path';
import { requireAwsConfigured } from '../awsConfiguration';
import type { Cli } from '../cliContext';
import { CommandFailedError } from '../cliErrors';
import type { CommandGroup } from './commandGroup';

/** `mtd schemas check | export | diff | push`: the event schemas' compatibility gate and registry. */
export const schemas: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('schemas')
      .description('event schemas: the compatibility gate, an export, and the EventBridge schema registry');
    group
      .command('check')
      .description(
        'the compatibility gate: committed snapshots, upcasters, BACKWARD_TRANSITIVE (exit 1 on problems)',
      )
      .action(() => run(cli, ['check']));
    group
      .command('export')
      .description('every committed snapshot as <detailType>.v<N>.json')
      .option('--out <dir>', 'where to write them')
      .action((options) => run(cli, ['export', ...(options.out ? ['--out', options.out] : [])]));
    for (const sub of ['diff', 'push'] as const)
      group
        .command(sub)
        .description(
          sub === 'diff'
            ? 'what differs between the snapshots and a registry (exit 1 when something does)'
            : 'register every snapshot that is missing or different in a registry',
        )
        .requiredOption('--registry <name>', 'the registry (AWS EventBridge Schema Registry, needs AWS)')
        .option('--local <dir>', 'a file registry in this folder instead of AWS')
        .action((options) => {
          if (!options.local)
            requireAwsConfigured(
              `mtd schemas ${sub} --registry ${options.registry}`,
              `Without AWS, use a file registry: mtd schemas ${sub} --registry ${options.registry} --local DIR.`,
              cli.io.env,
            );
          return run(cli, [
            sub,
            '--registry',
            options.registry,
            ...(options.local ? ['--local', options.local] : []),
          ]);
        });
  },
};

async function run(cli: Cli, args: string[]): Promise<void> {
  const { schemasCommand } = await import('../schemasCommand');
  try {
    process.exitCode = await schemasCommand(
      args,
      { log: (line) => cli.log(line) },
      {
        cwd: cli.io.cwd,
        defaultOut: join(cli.dataDir(), 'schemas-export'),
      },
    );
  } catch (error) {
    // The registry refused or could not be reached (access denied, a --local path that is a file):
    // the command's outcome, said in the registry's words, not a bug with a stack.
    if ((error as Error).name === 'SchemaRegistryError')
      throw new CommandFailedError((error as Error).message, { cause: error });
    throw error;
  }
}
