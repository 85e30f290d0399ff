/**
 * An error a local AWS JSON endpoint (the Step Functions endpoint, the EventBridge door) answers
 * with: `code` goes out as `__type`, which the SDK turns into `error.name`, with HTTP `status`.
 */
export class JsonServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}
