/**
 * The `mtd` CLI's exit codes: the contract scripts rely on (README "Exit codes"). Each CLI error
 * class below maps to exactly one of them; anything else is a bug and exits 1 with its stack.
 */
export const ExitCode = {
  /** Done. */
  ok: 0,
  /** The command ran and its outcome is a failure: an order refused, no match, a job failed, a 404. */
  failed: 1,
  /** The command was typed wrong (unknown command or option, missing argument, bad value). */
  usage: 2,
  /** No MTD runtime to talk to: none started for this data folder, or it has stopped. */
  runtimeUnavailable: 3,
  /** Not signed in, the session could not be renewed, or the role may not do this. */
  notSignedIn: 4,
  /** The command needs an AWS account and none is configured. */
  needsAws: 5,
  /** MTD is running but did not answer in time (busy); the request may still take effect. */
  runtimeBusy: 6,
  /** Interrupted (Ctrl-C) while following a job: the job keeps running in MTD. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A command typed wrong: exit 2, with the usage of the command in the message. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly exitCode = ExitCode.usage;
}

/** The command's outcome is a failure (exit 1): the message says what failed. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  readonly exitCode = ExitCode.failed;
}

/** No runtime answering (exit 3), or one that is running but busy past the timeout (exit 6). */
export class RuntimeUnavailableError extends Error {
  override readonly name = 'RuntimeUnavailableError';
  constructor(
    message: string,
    readonly exitCode: typeof ExitCode.runtimeUnavailable | typeof ExitCode.runtimeBusy,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The command needs AWS credentials and a region, and none are configured (exit 5). */
export class AwsNotConfiguredError extends Error {
  override readonly name = 'AwsNotConfiguredError';
  readonly exitCode = ExitCode.needsAws;
}

/** The person left while the CLI followed a job (exit 130); the job itself goes on in MTD. */
export class FollowInterruptedError extends Error {
  override readonly name = 'FollowInterruptedError';
  readonly exitCode = ExitCode.interrupted;
}
