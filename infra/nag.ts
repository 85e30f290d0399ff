import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 reads acknowledgements from CDK's `Validations` metadata and matches each finding by
 * its exact id, `AwsSolutions-IAM5[Resource::<the resource, flattened>]`. These helpers write
 * those ids, so every acknowledgement in Warden names the finding it covers and says why.
 */

/** Acknowledges an AwsSolutions rule on a construct and everything under it. */
export function acknowledgeRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/** Acknowledges specific findings of a rule that reports several (IAM5's wildcard actions/resources). */
export function acknowledgeFindings(
  scope: IConstruct,
  rule: string,
  findings: string[],
  reason: string,
): void {
  for (const finding of new Set(findings)) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}[${finding}]`, reason });
  }
}

/**
 * The IAM5 finding for wildcard resources, in cdk-nag's notation: intrinsic functions flattened
 * (`Fn::GetAtt` → `<Logical.Attr>`, `Ref` → `<Name>`, joins concatenated). Resources without a
 * `*` give no finding and are left out.
 */
export function wildcardResourceFindings(scope: IConstruct, resources: string[]): string[] {
  const stack = Stack.of(scope);
  return resources
    .map((resource) => flatten(stack.resolve(resource)))
    .filter((flat) => flat.includes('*'))
    .map((flat) => `Resource::${flat}`);
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const fn = node as Record<string, unknown>;
    if ('Fn::Join' in fn) {
      const [delimiter, parts] = fn['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
    if ('Fn::Sub' in fn) return flatten(fn['Fn::Sub']);
    if ('Fn::GetAtt' in fn) {
      const [resource, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if ('Fn::ImportValue' in fn) return flatten(fn['Fn::ImportValue']);
    if ('Ref' in fn) return `<${flatten(fn.Ref)}>`;
  }
  return JSON.stringify(node);
}
