import { AwsError } from './aws-error';
import { queryError } from './query-error';

/**
 * A call IAM refused, answered the way the service answers it: each service has its own error
 * code, HTTP status and wording, and the SDK surfaces them as checked against its models
 * (`@aws-sdk/client-*` in use): Organizations, Account Management and GuardDuty model
 * `AccessDeniedException` with HTTP 403; S3 models `AccessDenied` (403); SNS models
 * `AuthorizationErrorException` with the wire code `AuthorizationError` (403); EventBridge,
 * DynamoDB, Step Functions and KMS answer `AccessDeniedException` with HTTP 400; STS and IAM answer
 * `AccessDenied` (403), which their SDKs do not model; EC2 answers `UnauthorizedOperation` (403)
 * with "You are not authorized to perform this operation." and an encoded authorization message.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html
 *
 * The explanation follows IAM's access denied messages: "User: <principal> is not authorized to
 * perform: <action> on resource: <resource> because no identity-based policy allows the <action>
 * action" (or "…with an explicit deny in a resource-based policy").
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
 */
export interface Denial {
  principalArn: string;
  action: string;
  resource: string;
  /** What refused the request, in IAM's words. */
  reason: DenialReason;
}

export type DenialReason =
  | 'no-identity-allow'
  | 'no-resource-allow'
  | 'explicit-identity-deny'
  | 'explicit-resource-deny';

const REASON_TEXT: Record<DenialReason, (action: string) => string> = {
  'no-identity-allow': (action) => `because no identity-based policy allows the ${action} action`,
  'no-resource-allow': (action) => `because no resource-based policy allows the ${action} action`,
  'explicit-identity-deny': () => 'with an explicit deny in an identity-based policy',
  'explicit-resource-deny': () => 'with an explicit deny in a resource-based policy',
};

export function explainDenial(denial: Denial): string {
  const [prefix, name] = denial.action.split(':') as [string, string];
  // SNS writes its actions with an upper-case service prefix in these messages.
  const action = prefix === 'sns' ? `SNS:${name}` : denial.action;
  const base = `User: ${denial.principalArn} is not authorized to perform: ${action} on resource: ${denial.resource}`;
  // STS's AccessDenied for AssumeRole names the action and the role, not the policy that refused it.
  if (prefix === 'sts') return base;
  return `${base} ${REASON_TEXT[denial.reason](action)}`;
}

/** The error `service` (a sandbox service name) answers a denied call with. */
export function accessDeniedError(service: string, denial: Denial): AwsError {
  const message = explainDenial(denial);
  switch (service) {
    case 'ec2':
      return new AwsError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. ${message}. Encoded authorization failure message: ${encoded(denial)}`,
        403,
      );
    case 'sns':
      return queryError('AuthorizationErrorException', 'AuthorizationError', message, 403);
    case 'sts':
    case 'iam':
    case 's3':
      return new AwsError('AccessDenied', message, 403);
    case 'organizations':
    case 'account':
    case 'guardduty':
      return new AwsError('AccessDeniedException', message, 403);
    default:
      return new AwsError('AccessDeniedException', message, 400);
  }
}

/** Stands in for EC2's encrypted message; DecodeAuthorizationMessage is not modelled. */
function encoded(denial: Denial): string {
  return Buffer.from(JSON.stringify({ allowed: false, ...denial }), 'utf8').toString('base64url');
}
