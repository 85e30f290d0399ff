/**
 * A mistake in how a test or the local runtime sets up the sandbox world (a duplicate account, a
 * role in an unknown account). It is not an AWS error: no SDK call ever sees it.
 */
export class SandboxSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxSetupError';
  }
}
