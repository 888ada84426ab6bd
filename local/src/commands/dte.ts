import type { CommandGroup } from './commandGroup';

/** `mtd dte show <orderId> [--xml | --pdf FILE]`: reprint or inspect an order's tax document. */
export const dte: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('dte')
      .description('tax documents (DTE): inspect or reprint an order’s document');
    group
      .command('show')
      .description(
        'an order’s DTE: summary and SII status, its signed XML (--xml), or its printed form as a PDF (--pdf FILE)',
      )
      .argument('<orderId>', 'the order')
      .option('--xml', 'print the signed XML')
      .option('--pdf <file>', 'write the printed form (with the TED as a PDF417 barcode) to FILE')
      .action(async (orderId, options) => {
        const { dteCommand } = await import('../dteCommands');
        process.exitCode = await dteCommand(
          [
            'show',
            orderId,
            ...(options.xml ? ['--xml'] : []),
            ...(options.pdf ? ['--pdf', options.pdf] : []),
          ],
          { log: (line) => cli.log(line) },
          { api: (path) => cli.runtime().call(path), cwd: cli.io.cwd },
        );
      });
  },
};
