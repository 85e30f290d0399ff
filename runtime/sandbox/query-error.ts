import { AwsError } from './aws-error';

/**
 * A modelled error of a query-protocol service (IAM, SNS) exactly as the SDK surfaces it: `name` is
 * the SDK's exception class (`NoSuchEntityException`) and `Code` the code AWS puts on the wire
 * (`NoSuchEntity`). Checked against the SDK in use: it maps the wire code to the modelled class,
 * so handlers that match `error.name` see the class name, never the bare code. Unmodelled codes
 * (STS `AccessDenied`, `ValidationError`) keep the code as their name: use `AwsError` for those.
 */
export type QueryError = AwsError & { readonly Code: string };

export function queryError(
  exceptionName: string,
  code: string,
  message: string,
  httpStatusCode = 400,
): QueryError {
  return Object.assign(new AwsError(exceptionName, message, httpStatusCode), { Code: code });
}
