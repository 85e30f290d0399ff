/**
 * An error as the AWS SDK v3 surfaces a service error: `name` is AWS's error code, `$fault` says
 * whose fault it is and `$metadata.httpStatusCode` the status AWS answers with. Handlers and
 * Retry rules match on `name`, exactly as against AWS.
 */
export class AwsError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId?: string; attempts?: number };
  readonly $retryable?: { throttling: boolean };

  constructor(code: string, message: string, httpStatusCode = 400) {
    super(message);
    this.name = code;
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode };
    if (THROTTLING_CODES.has(code)) this.$retryable = { throttling: true };
  }
}

export const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
]);

/** The throttling error code each service answers with. */
export const THROTTLING_CODE_BY_SERVICE: Readonly<Record<string, string>> = {
  ec2: 'RequestLimitExceeded',
  sts: 'Throttling',
  sns: 'Throttling',
  iam: 'Throttling',
  organizations: 'TooManyRequestsException',
  account: 'TooManyRequestsException',
  guardduty: 'TooManyRequestsException',
  dynamodb: 'ThrottlingException',
  sfn: 'ThrottlingException',
};

/**
 * The error code each service answers with when it fails internally (HTTP 500): EC2's
 * `InternalError` ("Error codes for the Amazon EC2 API"), DynamoDB's `InternalServerError`
 * ("Error handling with DynamoDB"), and the Query/JSON services' `InternalFailure` ("Common
 * errors" of the AWS API references).
 */
export const SERVER_ERROR_BY_SERVICE: Readonly<Record<string, string>> = {
  ec2: 'InternalError',
  dynamodb: 'InternalServerError',
  sts: 'InternalFailure',
  sns: 'InternalError',
  iam: 'ServiceFailure',
  organizations: 'ServiceException',
  account: 'InternalServerException',
  guardduty: 'InternalServerErrorException',
  sfn: 'InternalFailure',
};

export function validationError(message: string): AwsError {
  return new AwsError('ValidationException', message);
}
