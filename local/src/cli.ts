import { Command, CommanderError } from '@commander-js/extra-typings';
import { Cli, type CliIo, numberOption } from './cliContext';
import { ExitCode } from './cliErrors';
import { commandGroups } from './commands/commandGroups';

/** Printed under `mtd --help`; the README's "Exit codes" says the same. */
export const exitCodesHelp = `
Exit codes:
  0    done
  1    the command ran and failed: an order refused, no match, a job failed, not found
  2    typed wrong: unknown command or option, missing or bad argument
  3    no MTD to talk to: not started for this data folder, or stopped
  4    not signed in and no way to renew (mtd login, or MTD_PASSWORD), or the role may not
  5    needs AWS (credentials and a region) and none is configured
  6    MTD is running but did not answer in time (busy); try again or raise --timeout
  130  stopped following a job (Ctrl-C); the job goes on in MTD

Environment: MTD_DATA (--data), MTD_URL (--url), MTD_PORT (start --port), MTD_PASSWORD and MTD_USER
(sign in and renew sessions without a prompt), MTD_ADMIN_PASSWORD (the first admin's password).`;

/** The `mtd` program: global options and every command group, writing to `io`. */
export function buildProgram(io: CliIo): Command<[], { data?: string; url?: string; timeout?: number }> {
  const program = new Command()
    .name('mtd')
    .description('MTD, the order platform, locally: run it, send orders, follow them, operate it')
    .option('--data <dir>', 'data folder of the runtime (default: MTD_DATA, else .mtd)')
    .option('--url <url>', 'the runtime to talk to (default: MTD_URL, else DATA/runtime.json)')
    .option(
      '--timeout <seconds>',
      'how long a request may take before MTD counts as busy (default 30)',
      numberOption('a number of seconds above 0', (n) => n > 0),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showSuggestionAfterError()
    .addHelpText('after', exitCodesHelp);
  const cli = new Cli(io, () => program.opts());
  for (const group of commandGroups) group.register(program, cli);
  return program;
}

/** Runs `mtd <argv>` and returns the exit code (printing any error as `mtd: <message>`). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return ExitCode.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? ExitCode.ok);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    const exitCode = (error as { exitCode?: unknown }).exitCode;
    if (typeof exitCode === 'number') {
      io.stderr.write(`mtd: ${terminalSafe((error as Error).message)}\n`);
      return exitCode;
    }
    io.stderr.write(
      `mtd: unexpected error (a bug; please report it): ${(error as Error).stack ?? String(error)}\n`,
    );
    return ExitCode.failed;
  }
}

/**
 * `text` with every control and format character but line breaks and tabs written as an escape
 * (`\x1b`, `\u{202e}`): an error message can carry what someone typed or a server answered, and a
 * raw ESC would drive the terminal (colours, cursor moves, a retitled window) and a bidi override
 * would reorder what the reader sees.
 */
export function terminalSafe(text: string): string {
  return text.replace(/(?![\n\t])[\p{Cc}\p{Cf}\u2028\u2029]/gu, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
