import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Cli } from '../cliContext';

/**
 * One top-level `mtd` command (with its subcommands), in a file of its own under `commands/`.
 * `register` adds it to the program; its action imports anything heavy (the runtime, the AWS SDK)
 * lazily, so `mtd --help` and the queries load only what they use. Adding a group: a new file here
 * and one line in commandGroups.ts.
 */
export interface CommandGroup {
  register(program: CommandUnknownOpts, cli: Cli): void;
}
