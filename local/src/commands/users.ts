import { formatTable } from '../formatTable';
import type { CommandGroup } from './commandGroup';

/** `mtd users add | list`: back-office users (admin only). */
export const users: CommandGroup = {
  register(program, cli) {
    const group = program.command('users').description('back-office users (needs role admin)');
    group
      .command('add')
      .description('add a user; prints the generated password once (it is stored only as a hash)')
      .argument('<name>', 'username: lowercase letters, digits, . _ -')
      .requiredOption('--role <role>', 'operator | analyst | auditor | admin')
      .option('--json', 'as JSON')
      .action(async (name, options) => {
        const created = await cli
          .runtime()
          .call<{ username: string; role: string; password: string }>('/api/users', {
            method: 'POST',
            json: { username: name, role: options.role },
          });
        if (options.json) return cli.print(created);
        cli.log(`created ${created.username} (${created.role}); password (shown once): ${created.password}`);
      });
    group
      .command('list')
      .description('every user with role and who created it')
      .option('--json', 'as JSON')
      .action(async (options) => {
        const result = await cli.runtime().call<{ items: Record<string, unknown>[] }>('/api/users');
        if (options.json) return cli.print(result);
        cli.log(formatTable(result.items, ['username', 'role', 'createdAt', 'createdBy']));
      });
  },
};
