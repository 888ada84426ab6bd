import type { Cli } from '../cliContext';
import type { CommandGroup } from './commandGroup';

/** `mtd caf load FILE | list`: the SII's folio authorisations (CAF) the dte service takes folios from. */
export const caf: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('caf')
      .description(
        "folio authorisations (CAF): load the SII's files, list what is loaded (kept 0600 in DATA/caf)",
      );
    group
      .command('load')
      .description(
        'load a CAF file (<AUTORIZACION> XML) of this issuer; a running MTD uses it once the loaded ones run out',
      )
      .argument('<file>', 'the CAF file the SII delivered')
      .action((file) => run(cli, ['load', file]));
    group
      .command('list')
      .description('the CAFs loaded, per type, with their folio ranges')
      .action(() => run(cli, ['list']));
  },
};

async function run(cli: Cli, args: string[]): Promise<void> {
  const { cafCommand } = await import('../dteCommands');
  process.exitCode = await cafCommand(
    args,
    { log: (line) => cli.log(line) },
    { dataDir: cli.dataDir(), cwd: cli.io.cwd },
  );
}
