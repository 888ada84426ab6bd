import type { CommandGroup } from './commandGroup';

/** `mtd rules test`: EventBridge's TestEventPattern, locally; needs no running runtime. */
export const rules: CommandGroup = {
  register(program, cli) {
    const group = program
      .command('rules')
      .description('EventBridge patterns, checked locally (no runtime needed)');
    group
      .command('test')
      .description(
        'does the pattern match the event? prints match | no match | invalid: <reason> and exits 0 | 1 | 2',
      )
      .argument('[pattern]', 'the pattern (JSON file)')
      .argument('[event]', 'the event, as EventBridge delivers it (JSON file)')
      .option(
        '--batch',
        'read {"pattern":…,"event":…} JSON lines on stdin; write one {"match":…} or {"error":…} line each',
      )
      .action(async (pattern, event, options) => {
        const { rulesCommand } = await import('../rulesCommand');
        const args = options.batch
          ? ['test', '--batch']
          : ['test', ...[pattern, event].filter((a): a is string => a !== undefined).map((a) => cli.path(a))];
        process.exitCode = await rulesCommand(args, { log: (line) => cli.log(line) });
      });
  },
};
