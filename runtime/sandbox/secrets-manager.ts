import { randomBytes } from 'node:crypto';
import type { GetSecretValueRequest, GetSecretValueResponse } from '@aws-sdk/client-secrets-manager';
import { AwsError } from './aws-error';
import type { CallContext, Operation, SandboxService } from './cloud';
import { SandboxSetupError } from './setup-error';

/**
 * The Secrets Manager part of the sandbox cloud: secrets per account and region, as a stack
 * creates them (`AWS::SecretsManager::Secret` with a `SecretString` or a `GenerateSecretString`),
 * and GetSecretValue by ARN or name with a version stage.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 *
 * A secret created this way has one version, labelled AWSCURRENT; asking for another stage
 * (AWSPREVIOUS before any rotation) is ResourceNotFoundException, as for a secret never rotated.
 * Who may read a secret is the IAM enforcement's to decide (identity policies; secrets carry no
 * resource policy here).
 */
export interface SandboxSecret {
  arn: string;
  name: string;
  account: string;
  region: string;
  /** Version stage → SecretString. */
  versions: Map<string, string>;
  createdAt: Date;
}

/** `GenerateSecretString` as CloudFormation passes it to GetRandomPassword. */
export interface GeneratedSecretSpec {
  PasswordLength?: number;
  ExcludePunctuation?: boolean;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export class SandboxSecretsManager implements SandboxService {
  readonly name = 'secretsmanager';
  readonly mutating: ReadonlySet<string> = new Set();
  readonly operations: Readonly<Record<string, Operation>> = {
    GetSecretValue: (input: GetSecretValueRequest, ctx: CallContext) => this.getSecretValue(input, ctx),
  };
  private readonly secrets = new Map<string, SandboxSecret>();

  /** Creates a secret (what deploying the stack's `AWS::SecretsManager::Secret` does). */
  createSecret(arn: string, value: string | GeneratedSecretSpec): SandboxSecret {
    const match = SECRET_ARN.exec(arn);
    if (!match) throw new SandboxSetupError(`not a secret ARN: '${arn}'`);
    if (this.secrets.has(arn)) throw new SandboxSetupError(`secret ${arn} already exists`);
    const secretString = typeof value === 'string' ? value : generatedSecret(value);
    const secret: SandboxSecret = {
      arn,
      // The ARN's last part is the name and the six characters Secrets Manager appends.
      name: match[3]!.replace(/-[A-Za-z0-9]{6}$/, ''),
      region: match[1]!,
      account: match[2]!,
      versions: new Map([['AWSCURRENT', secretString]]),
      createdAt: new Date(),
    };
    this.secrets.set(arn, secret);
    return secret;
  }

  secret(arn: string): SandboxSecret | undefined {
    return this.secrets.get(arn);
  }

  private getSecretValue(input: GetSecretValueRequest, ctx: CallContext): GetSecretValueResponse {
    const id = input.SecretId;
    if (typeof id !== 'string' || id.length < 1 || id.length > 2048) {
      throw new AwsError('InvalidParameterException', `Invalid SecretId: ${JSON.stringify(id)}`);
    }
    const secret = SECRET_ARN.test(id)
      ? this.secrets.get(id)
      : [...this.secrets.values()].find(
          (s) => s.name === id && s.account === ctx.principal.account && s.region === ctx.region,
        );
    if (!secret)
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const stage = input.VersionStage ?? 'AWSCURRENT';
    const value = secret.versions.get(stage);
    if (value === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: `${secret.name}-${stage}`,
      SecretString: value,
      VersionStages: [stage],
      CreatedDate: secret.createdAt,
    };
  }
}

/** GetRandomPassword's default is 32 characters of letters, digits and punctuation. */
function generatedSecret(spec: GeneratedSecretSpec): string {
  const length = spec.PasswordLength ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new SandboxSetupError(`PasswordLength must be 1-4096, got ${length}`);
  }
  const alphabet = spec.ExcludePunctuation ? LETTERS : LETTERS + PUNCTUATION;
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
