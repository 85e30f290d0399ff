import type { EventPattern } from 'aws-cdk-lib/aws-events';
import ipaddr from 'ipaddr.js';

/**
 * EventBridge's event-pattern matching, so that the local door routes an event exactly where the
 * deployed rule (built from the same `infra/event-patterns.ts`) would. The semantics are AWS's:
 * - "Event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
 *   every field of the pattern must match (AND), the values in a field's array are alternatives
 *   (OR), matching is exact and case-sensitive, a pattern field the event lacks does not match, and
 *   when the event's value is an array the field matches if any element matches.
 * - "Comparison operators" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 *   prefix, suffix, equals-ignore-case, wildcard, anything-but (a value, a list, or prefix/suffix/
 *   equals-ignore-case/wildcard), numeric, cidr, exists and `$or`; operators apply to leaf values.
 */
export type JsonPattern = { [field: string]: unknown };

export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternError';
}

/** The CDK spells `detail-type` as `detailType`; the rule it deploys says `detail-type`. */
export function renderPattern(pattern: EventPattern): JsonPattern {
  const out: JsonPattern = {};
  for (const [key, value] of Object.entries(pattern)) {
    if (value !== undefined) out[key === 'detailType' ? 'detail-type' : key] = value;
  }
  return out;
}

export function matchesPattern(pattern: JsonPattern, event: unknown): boolean {
  return matchObject(pattern, event, '');
}

const ABSENT = Symbol('absent');

function matchObject(pattern: JsonPattern, value: unknown, path: string): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) {
        throw new InvalidEventPatternError(
          `${path || '(pattern)'}.$or must be an array of at least two patterns`,
        );
      }
      if (!rule.some((alternative) => matchObject(alternative as JsonPattern, value, path))) return false;
      continue;
    }
    const field =
      typeof value === 'object' && value !== null && !Array.isArray(value) && key in value
        ? (value as Record<string, unknown>)[key]
        : ABSENT;
    const here = path ? `${path}.${key}` : key;
    if (Array.isArray(rule)) {
      if (!matchLeaf(rule, field, here)) return false;
    } else if (typeof rule === 'object' && rule !== null) {
      // A nested pattern needs a nested object in the event.
      if (field === ABSENT || !matchObject(rule as JsonPattern, field, here)) return false;
    } else {
      throw new InvalidEventPatternError(
        `${here} must be an array or an object, got ${JSON.stringify(rule)}`,
      );
    }
  }
  return true;
}

/** A leaf: the event's value (or each element of an array value) against the alternatives. */
function matchLeaf(alternatives: unknown[], field: unknown, path: string): boolean {
  return alternatives.some((matcher) => {
    if (isOperator(matcher, 'exists')) {
      const wanted = (matcher as { exists: unknown }).exists;
      if (typeof wanted !== 'boolean')
        throw new InvalidEventPatternError(`${path}: exists must be true or false`);
      // `exists` concerns leaf values: an object is not a leaf, an empty array has no values.
      const present =
        field !== ABSENT && !(Array.isArray(field) && field.length === 0) && !isPlainObject(field);
      return present === wanted;
    }
    if (field === ABSENT || isPlainObject(field)) return false;
    const values = Array.isArray(field) ? field : [field];
    return values.some((v) => matchValue(matcher, v, path));
  });
}

function matchValue(matcher: unknown, value: unknown, path: string): boolean {
  if (matcher === null || typeof matcher !== 'object') return matcher === value;
  const keys = Object.keys(matcher);
  if (keys.length !== 1) {
    throw new InvalidEventPatternError(
      `${path}: a matcher has exactly one operator, got ${JSON.stringify(matcher)}`,
    );
  }
  const operator = keys[0]!;
  const operand = (matcher as Record<string, unknown>)[operator];
  switch (operator) {
    case 'prefix':
      return stringTest(operand, value, path, 'prefix', (v, s) => v.startsWith(s));
    case 'suffix':
      return stringTest(operand, value, path, 'suffix', (v, s) => v.endsWith(s));
    case 'equals-ignore-case':
      return (
        typeof value === 'string' &&
        typeof operand === 'string' &&
        value.toLowerCase() === operand.toLowerCase()
      );
    case 'wildcard':
      return typeof value === 'string' && typeof operand === 'string' && wildcardRegex(operand).test(value);
    case 'anything-but':
      return anythingBut(operand, value, path);
    case 'numeric':
      return typeof value === 'number' && numeric(operand, value, path);
    case 'cidr':
      return typeof value === 'string' && inCidr(operand, value, path);
    default:
      throw new InvalidEventPatternError(`${path}: unknown operator ${JSON.stringify(operator)}`);
  }
}

function stringTest(
  operand: unknown,
  value: unknown,
  path: string,
  name: string,
  test: (value: string, operand: string) => boolean,
): boolean {
  if (typeof value !== 'string') return false;
  if (typeof operand === 'string') return test(value, operand);
  if (isOperator(operand, 'equals-ignore-case')) {
    const inner = (operand as Record<string, unknown>)['equals-ignore-case'];
    if (typeof inner === 'string') return test(value.toLowerCase(), inner.toLowerCase());
  }
  throw new InvalidEventPatternError(`${path}: ${name} takes a string or { "equals-ignore-case": string }`);
}

function anythingBut(operand: unknown, value: unknown, path: string): boolean {
  if (Array.isArray(operand)) return !operand.some((o) => o === value);
  if (operand === null || typeof operand !== 'object') return operand !== value;
  // anything-but with an operator: the value must be a string the inner operator rejects.
  if (typeof value !== 'string') return false;
  const [inner] = Object.keys(operand);
  const argument = (operand as Record<string, unknown>)[inner!];
  const list = Array.isArray(argument) ? argument : [argument];
  switch (inner) {
    case 'prefix':
      return !list.some((s) => typeof s === 'string' && value.startsWith(s));
    case 'suffix':
      return !list.some((s) => typeof s === 'string' && value.endsWith(s));
    case 'equals-ignore-case':
      return !list.some((s) => typeof s === 'string' && s.toLowerCase() === value.toLowerCase());
    case 'wildcard':
      return !list.some((s) => typeof s === 'string' && wildcardRegex(s).test(value));
    default:
      throw new InvalidEventPatternError(`${path}: anything-but does not take ${JSON.stringify(inner)}`);
  }
}

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numeric(operand: unknown, value: number, path: string): boolean {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new InvalidEventPatternError(`${path}: numeric takes one or two [operator, number] pairs`);
  }
  for (let i = 0; i < operand.length; i += 2) {
    const compare = COMPARISONS[operand[i] as string];
    const bound = operand[i + 1];
    if (!compare || typeof bound !== 'number') {
      throw new InvalidEventPatternError(`${path}: numeric takes one or two [operator, number] pairs`);
    }
    if (!compare(value, bound)) return false;
  }
  return true;
}

function inCidr(operand: unknown, value: string, path: string): boolean {
  if (typeof operand !== 'string' || !ipaddr.isValidCIDR(operand)) {
    throw new InvalidEventPatternError(`${path}: cidr takes a CIDR block such as 10.0.0.0/24`);
  }
  if (!ipaddr.isValid(value)) return false;
  const address = ipaddr.parse(value);
  const [network, bits] = ipaddr.parseCIDR(operand);
  return address.kind() === network.kind() && address.match(network, bits);
}

/** `*` matches any run of characters; `\*` is a literal star. */
function wildcardRegex(pattern: string): RegExp {
  const parts = pattern
    .split(/(?<!\\)\*/)
    .map((part) => part.replace(/\\\*/g, '*').replace(/[.+?^${}()|[\]\\*]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

function isOperator(value: unknown, name: string): boolean {
  return isPlainObject(value) && Object.keys(value as object).length === 1 && name in (value as object);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
