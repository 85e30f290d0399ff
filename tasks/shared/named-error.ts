/**
 * An error whose `name` is the name of its class, so that each subclass is told apart by name:
 * Step Functions matches a failed task's error by it, and messages and logs show it.
 */
export class NamedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
