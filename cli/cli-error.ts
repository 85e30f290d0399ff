/** An error the user can act on; printed as one line, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A bad argument or option value: exit code 2 in every command, as commander's own usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}
