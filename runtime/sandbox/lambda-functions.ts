import { checkPolicyDocument, type PolicyDocument, statementsOf } from './policy-document';
import { PolicyGuardedStore } from './policy-guarded-store';
import type { GuardedResource } from './resource-policy';
import { SandboxSetupError } from './setup-error';

/**
 * The Lambda functions of the sandbox, as far as being invoked by another AWS service goes: each
 * function's resource-based policy (the statements `AWS::Lambda::Permission` / AddPermission
 * add), and the handler the local runtime runs for it. EventBridge invokes a function target only
 * when that policy lets `events.amazonaws.com` call `lambda:InvokeFunction` for the rule
 * (`aws:SourceArn`): "For Lambda, Amazon SNS, Amazon SQS, and Amazon CloudWatch Logs resources,
 * EventBridge uses resource-based policies."
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
 * https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
 */
export type FunctionHandler = (event: unknown) => Promise<unknown>;

export interface SandboxFunction {
  arn: string;
  account: string;
  region: string;
  /** What people call it (Warden's task id), for reports. */
  label?: string;
  policy?: PolicyDocument;
  handler?: FunctionHandler;
}

export interface FunctionPermission {
  statementId: string;
  action: string;
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
}

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})$/;

export class SandboxLambdaFunctions extends PolicyGuardedStore<SandboxFunction> {
  readonly name = 'lambda';

  /** What `AWS::Lambda::Function` creates (no policy until a permission is added). */
  createFunction(arn: string, options: { label?: string } = {}): SandboxFunction {
    const match = FUNCTION_ARN.exec(arn);
    if (!match) throw new SandboxSetupError(`invalid Lambda function ARN '${arn}'`);
    const existing = this.resources.get(arn);
    if (existing) return existing;
    const fn: SandboxFunction = { arn, region: match[1]!, account: match[2]!, ...options };
    this.resources.set(arn, fn);
    this.generation += 1;
    return fn;
  }

  /** What `AWS::Lambda::Permission` (AddPermission) adds: one statement of the function's policy. */
  addPermission(arn: string, permission: FunctionPermission): void {
    const fn = this.existing(arn);
    const condition: Record<string, Record<string, string>> = {};
    if (permission.sourceArn) condition.ArnLike = { 'AWS:SourceArn': permission.sourceArn };
    if (permission.sourceAccount) condition.StringEquals = { 'AWS:SourceAccount': permission.sourceAccount };
    const principal = permission.principal.endsWith('.amazonaws.com')
      ? { Service: permission.principal }
      : {
          AWS: /^\d{12}$/.test(permission.principal)
            ? `arn:aws:iam::${permission.principal}:root`
            : permission.principal,
        };
    const statement = {
      Sid: permission.statementId,
      Effect: 'Allow',
      Principal: principal,
      Action: permission.action,
      Resource: arn,
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
    const others = fn.policy ? statementsOf(fn.policy).filter((s) => s.Sid !== permission.statementId) : [];
    fn.policy = checkPolicyDocument(
      { Version: '2012-10-17', Statement: [...others, statement] },
      'resource',
      `policy of function ${arn}`,
    );
    this.generation += 1;
  }

  /** What RemovePermission does: the statement is gone from the function's policy. */
  removePermission(arn: string, statementId: string): void {
    const fn = this.existing(arn);
    const statements = fn.policy ? statementsOf(fn.policy) : [];
    if (!statements.some((s) => s.Sid === statementId)) {
      throw new SandboxSetupError(`the policy of ${arn} has no statement ${statementId}`);
    }
    const rest = statements.filter((s) => s.Sid !== statementId);
    fn.policy = rest.length > 0 ? { Version: '2012-10-17', Statement: rest } : undefined;
    this.generation += 1;
  }

  /** The local runtime runs the function's code with this handler. */
  setHandler(arn: string, handler: FunctionHandler): void {
    this.existing(arn).handler = handler;
  }

  function(arn: string): SandboxFunction | undefined {
    return this.resources.get(arn);
  }

  guardedResource(arn: string, action: string): GuardedResource | undefined {
    return action.startsWith('lambda:') ? this.guarded(arn) : undefined;
  }

  private existing(arn: string): SandboxFunction {
    const fn = this.resources.get(arn);
    if (!fn) throw new SandboxSetupError(`no Lambda function ${arn}`);
    return fn;
  }
}
