import { CliUsageError } from '../cliErrors';
import { forgetSession, readPassword } from '../cliSession';
import type { CommandGroup } from './commandGroup';

/** `mtd login` and `mtd logout`: the CLI's session in `DATA/session.json`. */
export const login: CommandGroup = {
  register(program, cli) {
    program
      .command('login')
      .description(
        'sign in; the session (DATA/session.json, 0600) renews itself for 30 days. Password from MTD_PASSWORD, piped stdin, or a prompt',
      )
      .option('--user <name>', 'who signs in (default: MTD_USER, else admin)')
      .action(async (options) => {
        const runtime = cli.runtime();
        const username = options.user ?? cli.io.env.MTD_USER ?? 'admin';
        const password = await readPassword(cli.io.env);
        // Sent empty, the API's answer ("send JSON { username, password }") would blame the CLI.
        if (!password)
          throw new CliUsageError(
            'no password given: set MTD_PASSWORD, pipe it (echo "$PW" | mtd login), or type it at the prompt',
          );
        const session = await runtime.session.signIn(username, password);
        cli.log(
          `signed in as ${session.username} (${session.role}) until ${session.expiresAt}${session.refreshExpiresAt ? `; renews itself until ${session.refreshExpiresAt}` : ''}`,
        );
      });
    program
      .command('logout')
      .description('forget the session (DATA/session.json)')
      .action(() => {
        cli.log(forgetSession(cli.dataDir()) ? 'signed out' : 'not signed in');
      });
  },
};
