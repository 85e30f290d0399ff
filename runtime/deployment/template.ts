import { createHash } from 'node:crypto';
import { UnresolvableTemplateError } from './errors';

/**
 * A synthesized CloudFormation template, and how the local deployment resolves it: physical names
 * for resources that have none in the template (CloudFormation generates them), then `Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split` and the pseudo parameters.
 */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON has no static type
export type CfnValue = any;

export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
  DependsOn?: string | string[];
  Metadata?: Record<string, CfnValue>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, { Type: string; Default?: unknown; Description?: string }>;
  Outputs?: Record<string, { Value: CfnValue }>;
}

/** One stack of the cloud assembly: where it deploys and what. */
export interface StackTemplate {
  stackName: string;
  account: string;
  region: string;
  template: CfnTemplate;
}

export interface ResolveContext {
  stackName: string;
  account: string;
  region: string;
  /** @default 'aws' */
  partition?: string;
  /** Stack parameters, as `--parameters Name=value` passes them. */
  parameters?: Readonly<Record<string, string | string[]>>;
  /**
   * The address the local runtime serves HTTP APIs at (the approval page): an API Gateway's
   * `ApiEndpoint` resolves to it. @default 'http://127.0.0.1'
   */
  apiEndpoint?: string;
}

/** What `Ref` and `Fn::GetAtt` of one resource give. */
export interface PhysicalResource {
  ref: string;
  attributes: Record<string, string>;
}

const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NoValue',
]);

/** A template bound to the account, region and parameters it is deployed with. */
export class ResolvedTemplate {
  private readonly physical = new Map<string, PhysicalResource>();

  constructor(
    readonly template: CfnTemplate,
    readonly context: ResolveContext,
  ) {}

  get partition(): string {
    return this.context.partition ?? 'aws';
  }

  resources(type: string): [string, CfnResource][] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) {
      throw new UnresolvableTemplateError(
        `${this.context.stackName}: no resource ${logicalId} in the template`,
      );
    }
    return resource;
  }

  /** The resource's physical identity, as CloudFormation would give it on create. */
  physicalOf(logicalId: string): PhysicalResource {
    let found = this.physical.get(logicalId);
    if (!found) {
      found = physicalResource(this, logicalId, this.resource(logicalId));
      this.physical.set(logicalId, found);
    }
    return found;
  }

  /** Resolves every intrinsic function in `value`. */
  resolve(value: CfnValue): CfnValue {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(arg);
        case 'Fn::GetAtt':
          return this.getAtt(typeof arg === 'string' ? arg.split('.') : arg);
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, CfnValue[]];
          return (this.resolve(parts) as unknown[]).map(String).join(separator);
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::Select': {
          const [index, list] = arg as [CfnValue, CfnValue];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, CfnValue];
          return String(this.resolve(text)).split(separator);
        }
        default:
          if (fn.startsWith('Fn::')) {
            throw new UnresolvableTemplateError(
              `${this.context.stackName}: the local deployment does not resolve ${fn}`,
            );
          }
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  private ref(name: string): CfnValue {
    if (PSEUDO.has(name)) return this.pseudo(name);
    const parameter = this.template.Parameters?.[name];
    if (parameter) {
      const given = this.context.parameters?.[name] ?? parameter.Default;
      if (given === undefined) {
        throw new UnresolvableTemplateError(
          `${this.context.stackName}: parameter ${name} has no value (pass --parameters ${name}=…)`,
        );
      }
      if (parameter.Type === 'CommaDelimitedList' && typeof given === 'string') return given.split(',');
      return given;
    }
    return this.physicalOf(name).ref;
  }

  private getAtt([logicalId, attribute]: [string, string]): string {
    const physical = this.physicalOf(logicalId);
    const value = physical.attributes[attribute];
    if (value === undefined) {
      throw new UnresolvableTemplateError(
        `${this.context.stackName}: Fn::GetAtt ${logicalId}.${attribute} (${this.resource(logicalId).Type}) is not modelled locally`,
      );
    }
    return value;
  }

  private sub(arg: CfnValue): string {
    const [text, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, CfnValue>];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      if (name.includes('.')) return this.getAtt(name.split('.') as [string, string]);
      return String(this.ref(name));
    });
  }

  private pseudo(name: string): string {
    switch (name) {
      case 'AWS::AccountId':
        return this.context.account;
      case 'AWS::Region':
        return this.context.region;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      case 'AWS::StackName':
        return this.context.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.context.region}:${this.context.account}:stack/${this.context.stackName}/${uuidFor(this.context.stackName)}`;
      default:
        throw new UnresolvableTemplateError(`${this.context.stackName}: ${name} has no value locally`);
    }
  }
}

/**
 * CloudFormation names a resource that has no name property `<stack>-<logicalId>-<suffix>`, trimmed
 * to the service's limit. The suffix is random in AWS; here it is derived from the stack and logical
 * id, so a rebuilt sandbox gets the same names.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html
 */
export function generatedName(stackName: string, logicalId: string, maxLength: number): string {
  const suffix = digest(`${stackName}/${logicalId}`).slice(0, 12).toUpperCase();
  const head = `${stackName}-${logicalId}`.slice(0, maxLength - suffix.length - 1);
  return `${head}-${suffix}`;
}

function physicalResource(t: ResolvedTemplate, logicalId: string, resource: CfnResource): PhysicalResource {
  const { account, region, stackName } = t.context;
  const p = t.partition;
  const props = resource.Properties ?? {};
  const named = (property: string, maxLength: number) =>
    props[property] !== undefined
      ? String(t.resolve(props[property]))
      : generatedName(stackName, logicalId, maxLength);
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table': {
      const name = named('TableName', 255);
      const arn = `arn:${p}:dynamodb:${region}:${account}:table/${name}`;
      return { ref: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } };
    }
    case 'AWS::S3::Bucket': {
      const name = named('BucketName', 63).toLowerCase();
      return {
        ref: name,
        attributes: {
          Arn: `arn:${p}:s3:::${name}`,
          DomainName: `${name}.s3.amazonaws.com`,
          RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
        },
      };
    }
    case 'AWS::KMS::Key': {
      const keyId = uuidFor(`${account}/${region}/${stackName}/${logicalId}`);
      return {
        ref: keyId,
        attributes: { Arn: `arn:${p}:kms:${region}:${account}:key/${keyId}`, KeyId: keyId },
      };
    }
    case 'AWS::SNS::Topic': {
      const name = named('TopicName', 256);
      const arn = `arn:${p}:sns:${region}:${account}:${name}`;
      return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
    }
    case 'AWS::SQS::Queue': {
      const name = named('QueueName', 80);
      return {
        ref: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
        attributes: { Arn: `arn:${p}:sqs:${region}:${account}:${name}`, QueueName: name },
      };
    }
    case 'AWS::IAM::Role': {
      const name = named('RoleName', 64);
      const path = props.Path ?? '/';
      return {
        ref: name,
        attributes: {
          Arn: `arn:${p}:iam::${account}:role${path}${name}`,
          RoleId: `AROA${digest(name).slice(0, 17).toUpperCase()}`,
        },
      };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const name = named('ManagedPolicyName', 128);
      const arn = `arn:${p}:iam::${account}:policy/${name}`;
      return { ref: arn, attributes: { PolicyArn: arn } };
    }
    case 'AWS::Lambda::Function': {
      const name = named('FunctionName', 64);
      return { ref: name, attributes: { Arn: `arn:${p}:lambda:${region}:${account}:function:${name}` } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = named('LogGroupName', 512);
      return { ref: name, attributes: { Arn: `arn:${p}:logs:${region}:${account}:log-group:${name}:*` } };
    }
    case 'AWS::StepFunctions::StateMachine': {
      const name = named('StateMachineName', 80);
      const arn = `arn:${p}:states:${region}:${account}:stateMachine:${name}`;
      return { ref: arn, attributes: { Arn: arn, Name: name } };
    }
    case 'AWS::Events::Rule': {
      const name = named('Name', 64);
      return { ref: name, attributes: { Arn: `arn:${p}:events:${region}:${account}:rule/${name}` } };
    }
    case 'AWS::ApiGatewayV2::Api': {
      const id = digest(logicalId).slice(0, 10);
      // The local runtime serves the API itself (runtime/http-server.ts).
      return { ref: id, attributes: { ApiId: id, ApiEndpoint: t.context.apiEndpoint ?? 'http://127.0.0.1' } };
    }
    case 'AWS::Cognito::UserPool': {
      const id = `${region}_${digest(logicalId).slice(0, 9)}`;
      return {
        ref: id,
        attributes: {
          Arn: `arn:${p}:cognito-idp:${region}:${account}:userpool/${id}`,
          ProviderName: `cognito-idp.${region}.amazonaws.com/${id}`,
          ProviderURL: `https://cognito-idp.${region}.amazonaws.com/${id}`,
          UserPoolId: id,
        },
      };
    }
    case 'AWS::SecretsManager::Secret': {
      const name = named('Name', 512);
      const arn = `arn:${p}:secretsmanager:${region}:${account}:secret:${name}-${digest(name).slice(0, 6)}`;
      return { ref: arn, attributes: { Id: arn } };
    }
    default:
      return { ref: generatedName(stackName, logicalId, 128), attributes: {} };
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function uuidFor(text: string): string {
  const h = digest(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
