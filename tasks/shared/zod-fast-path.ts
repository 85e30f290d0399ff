import type * as core from 'zod/v4/core';
import { UnsupportedSchemaError } from './errors';

/**
 * A fast path derived from a zod schema: `zodFastPath(schema)` walks the schema's definition once
 * and returns a function that answers the parsed value for input the schema accepts, and
 * `undefined` for anything else, without saying why (the schema itself explains a failure).
 *
 * Why: on a valid input zod spends most of its time on bookkeeping, a payload and an issues
 * array for every value and a pass over each check's conditions, which for a GuardDuty finding
 * is several hundred short-lived objects; `warden replay` validates 100,000 findings at a time.
 *
 * It is the same schema, not a copy of its rules. Everything is read from the schema's
 * definition (`_zod.def`, the interface zod 4 documents for libraries built on it): the types,
 * the keys, the limits and patterns of the checks, the refinements' and transforms' own
 * functions. The common checks (lengths, patterns, ranges, integers, refinements) are applied
 * from their definitions, and whenever the answer could depend on a detail of zod's (a string
 * longer than its limit in UTF-16 units, which zod counts in code points), or for any other check,
 * the check's own code decides. A zod type it does not know is refused when the fast path is made
 * (`UnsupportedSchemaError`), so a change to the schema cannot leave it behind silently. The zod
 * version is pinned, and a property test (test/unit/shared/zod-fast-path.test.ts and the finding
 * corpus test) checks that both agree, value for value, on every input it generates.
 */
export function zodFastPath<T extends core.$ZodType>(
  schema: T,
): (raw: unknown) => core.output<T> | undefined {
  const parse = compile(schema as unknown as Schema, '(root)');
  return (raw) => {
    const out = parse(raw);
    return out === FAIL ? undefined : (out as core.output<T>);
  };
}

/** What a compiled node answers for input its schema refuses. */
const FAIL: unique symbol = Symbol('fail');
type Node = (value: unknown) => unknown;
type Test = (value: unknown) => boolean;

/** The parts of zod's internals this reads; see `$ZodType` and `$ZodCheck` in zod/v4/core. */
interface Schema {
  _zod: {
    def: Definition;
    optin?: 'optional' | 'defaulted';
    optout?: 'optional';
    values?: ReadonlySet<unknown>;
    run(payload: Payload, ctx: Context): Payload | Promise<Payload>;
  };
}
interface Definition {
  type: string;
  checks?: Check[];
  /** Set on a string format (`z.iso.datetime()`), which is its own first check. */
  check?: string;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  options?: Schema[];
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  coerce?: boolean;
  values?: unknown[];
  entries?: Record<string, unknown>;
  transform?: (value: unknown, payload: Payload) => unknown;
}
interface CheckDefinition {
  check: string;
  when?: (payload: Payload) => boolean;
  maximum?: number;
  minimum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
  fn?: (value: unknown) => unknown;
}
interface Check {
  _zod: { def: CheckDefinition; check(payload: Payload): unknown };
}
interface Payload {
  value: unknown;
  issues: unknown[];
}
interface Context {
  async: false;
}

const CONTEXT: Context = { async: false };

function compile(schema: Schema, at: string): Node {
  const def = schema._zod.def;
  if (def.coerce) throw new UnsupportedSchemaError(`${at}: coercion is not supported by the fast path`);
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return leaf(schema, at);
    case 'literal':
    case 'enum': {
      // The set of values zod itself tests membership of.
      const values = schema._zod.values;
      if (!(values instanceof Set)) return byZod(schema);
      return checked((v) => (values.has(v) ? v : FAIL), schema, at);
    }
    case 'unknown':
      return checked((v) => v, schema, at);
    case 'transform':
      if (def.checks?.length)
        throw new UnsupportedSchemaError(`${at}: checks on a transform are not supported`);
      return transform(def);
    case 'optional': {
      if (def.innerType!._zod.optin === 'defaulted')
        throw new UnsupportedSchemaError(`${at}: defaults are not supported by the fast path`);
      const inner = compile(def.innerType!, at);
      return checked((v) => (v === undefined ? undefined : inner(v)), schema, at);
    }
    case 'nullable': {
      const inner = compile(def.innerType!, at);
      return checked((v) => (v === null ? null : inner(v)), schema, at);
    }
    case 'pipe': {
      const first = compile(def.in!, at);
      const then = compile(def.out!, at);
      return checked(
        (v) => {
          const mid = first(v);
          return mid === FAIL ? FAIL : then(mid);
        },
        schema,
        at,
      );
    }
    case 'union':
      return checked(union(def, at), schema, at);
    case 'array':
      return array(def, at);
    case 'object':
      return checked(object(def, at), schema, at);
    default:
      throw new UnsupportedSchemaError(`${at}: zod type "${def.type}" is not supported by the fast path`);
  }
}

/** A string, number or boolean: its type as zod tests it, then each of its checks. */
function leaf(schema: Schema, at: string): Node {
  const def = schema._zod.def;
  const type: Test =
    def.type === 'string'
      ? (v) => typeof v === 'string'
      : def.type === 'number'
        ? // zod refuses NaN and the infinities.
          (v) => typeof v === 'number' && Number.isFinite(v)
        : (v) => typeof v === 'boolean';
  const checks = checksOf(schema).map((c) => test(c, at));
  if (checks.length === 0) return (v) => (type(v) ? v : FAIL);
  if (checks.length === 1) {
    const [only] = checks as [Test];
    return (v) => (type(v) && only(v) ? v : FAIL);
  }
  return (v) => {
    if (!type(v)) return FAIL;
    for (const check of checks) if (!check(v)) return FAIL;
    return v;
  };
}

/** A string format such as `z.iso.datetime()` is its own first check, as zod runs it. */
function checksOf(schema: Schema): Check[] {
  const def = schema._zod.def;
  const own = def.check ? [schema as unknown as Check] : [];
  return [...own, ...(def.checks ?? [])];
}

/** Runs a container's checks (a refinement of an object, say) on its output, as zod does. */
function checked(node: Node, schema: Schema, at: string): Node {
  const checks = checksOf(schema).map((c) => test(c, at));
  if (checks.length === 0) return node;
  return (v) => {
    const out = node(v);
    if (out === FAIL) return FAIL;
    for (const check of checks) if (!check(out)) return FAIL;
    return out;
  };
}

/**
 * One check as a test. The definitions of the common ones are applied here; the check's own
 * code decides the rest, and the cases where zod's answer turns on a detail (code points).
 */
function test(check: Check, at: string): Test {
  const def = check._zod.def;
  const own = byCheck(check);
  const lengthCheck = def.check === 'max_length' || def.check === 'min_length';
  // A condition of its own (other than the length checks' "has a length") is zod's to apply.
  if (def.when && !lengthCheck) return own;
  switch (def.check) {
    case 'max_length': {
      const max = def.maximum!;
      // Within the limit in UTF-16 units is within it in code points; beyond, zod counts.
      return (v) => ((v as { length: number }).length <= max ? true : own(v));
    }
    case 'min_length': {
      const min = def.minimum!;
      return (v) => {
        const units = (v as { length: number }).length;
        if (units < min) return false;
        return units >= min * 2 ? true : own(v);
      };
    }
    case 'string_format':
      // Formats with a pattern and no code of their own are the pattern (regex, the ISO formats).
      if (def.pattern && (def.format === 'regex' || /^(datetime|date|time)$/.test(def.format ?? ''))) {
        const pattern = def.pattern;
        return (v) => {
          pattern.lastIndex = 0;
          return pattern.test(v as string);
        };
      }
      return own;
    case 'greater_than': {
      const { value, inclusive } = def;
      if (typeof value !== 'number') return own;
      return inclusive ? (v) => (v as number) >= value : (v) => (v as number) > value;
    }
    case 'less_than': {
      const { value, inclusive } = def;
      if (typeof value !== 'number') return own;
      return inclusive ? (v) => (v as number) <= value : (v) => (v as number) < value;
    }
    case 'number_format':
      if (def.format === 'safeint') return (v) => Number.isSafeInteger(v);
      return own;
    case 'custom': {
      const fn = def.fn!;
      return (v) => {
        const result = fn(v);
        if (isThenable(result))
          throw new UnsupportedSchemaError(`${at}: asynchronous refinements are not supported`);
        return Boolean(result);
      };
    }
    default:
      return own;
  }
}

/** A check run by its own code, on a payload of its own, as zod runs it. */
function byCheck(check: Check): Test {
  return (value) => {
    const payload: Payload = { value, issues: [] };
    const when = check._zod.def.when;
    if (when && !when(payload)) return true;
    const result = check._zod.check(payload);
    if (isThenable(result)) return false;
    return payload.issues.length === 0;
  };
}

/** A schema run by zod itself (a literal or enum without its set of values). */
function byZod(schema: Schema): Node {
  return (v) => {
    const result = schema._zod.run({ value: v, issues: [] }, CONTEXT) as Payload;
    if (isThenable(result) || result.issues.length) return FAIL;
    return result.value;
  };
}

/**
 * A transform's own function, called as zod calls it: with the value and a payload whose
 * `addIssue` records an issue. (zod also guards against cycles in the input, which parsed JSON
 * cannot have.)
 */
function transform(def: Definition): Node {
  const fn = def.transform!;
  return (v) => {
    // A literal with a shared method: no function, and no class-field helper, per call.
    const payload = { value: v, issues: [] as unknown[], addIssue };
    const out = fn(v, payload);
    if (payload.issues.length || isThenable(out)) return FAIL;
    return out;
  };
}

function isThenable(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

function addIssue(this: Payload, issue: unknown): void {
  this.issues.push(issue);
}

/** zod's union: the first option that accepts the value gives the result. */
function union(def: Definition, at: string): Node {
  const options = def.options!.map((o, i) => ({ parse: compile(o, `${at}|${i}`), kinds: kindsOf(o) }));
  return (v) => {
    const kind = kindOf(v);
    for (const option of options) {
      // An option that cannot take this kind of value is not tried: it could only refuse it.
      if (option.kinds !== ANY && !option.kinds.has(kind)) continue;
      const out = option.parse(v);
      if (out !== FAIL) return out;
    }
    return FAIL;
  };
}

function array(def: Definition, at: string): Node {
  const element = compile(def.element!, `${at}[]`);
  // zod checks an array's size before its elements, and so does this.
  const checks = (def.checks ?? []).map((c) => test(c, at));
  return (v) => {
    if (!Array.isArray(v)) return FAIL;
    for (const check of checks) if (!check(v)) return FAIL;
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const item = element(v[i]);
      if (item === FAIL) return FAIL;
      out[i] = item;
    }
    return out;
  };
}

/**
 * zod's object rules: declared keys in order, `__proto__` never copied, absent and optional keys
 * as zod's own object parser treats them, unknown keys dropped or passed to the catchall. The walk
 * over the declared keys is generated as code with each key written out, as zod's own parser is,
 * so that every property read is a named one; a loop reading them by a variable is several times
 * slower.
 */
function object(def: Definition, at: string): Node {
  const shape = def.shape!;
  const keys = Object.keys(shape).filter((k) => k !== '__proto__');
  const parsers = keys.map((key) => compile(shape[key]!, `${at}.${key}`));
  const lines = keys.map((key, i) => {
    const { optin, optout } = shape[key]!._zod;
    const k = JSON.stringify(key);
    const read = `const v${i} = parsers[${i}](input[${k}]);`;
    if (optin !== undefined && optout === 'optional') {
      const assign = optin === 'optional' ? `${k} in input` : `v${i} !== undefined || ${k} in input`;
      return `${read} if (v${i} === FAIL) { if (${k} in input) return FAIL; } else if (${assign}) out[${k}] = v${i};`;
    }
    if (optin === undefined) {
      return `${read} if (v${i} === FAIL || (v${i} === undefined && !(${k} in input))) return FAIL; out[${k}] = v${i};`;
    }
    return `${read} if (v${i} === FAIL) return FAIL; if (v${i} !== undefined || ${k} in input) out[${k}] = v${i};`;
  });
  const catchallType = def.catchall?._zod.def.type;
  if (catchallType !== undefined && catchallType !== 'unknown' && catchallType !== 'never')
    throw new UnsupportedSchemaError(`${at}: a "${catchallType}" catchall is not supported by the fast path`);
  const rest =
    catchallType === 'never'
      ? 'for (const key in input) if (!declared.has(key)) return FAIL;'
      : catchallType === 'unknown'
        ? 'for (const key in input) if (!declared.has(key) && key !== "__proto__") out[key] = input[key];'
        : '';
  // The code is made from the schema's own keys only (quoted by JSON.stringify), never from input.
  const make = new Function(
    'parsers',
    'declared',
    'FAIL',
    `return function (input) {
      if (typeof input !== "object" || input === null || Array.isArray(input)) return FAIL;
      const out = {};
      ${lines.join('\n      ')}
      ${rest}
      return out;
    };`,
  ) as (parsers: Node[], declared: Set<string>, fail: typeof FAIL) => Node;
  return make(parsers, new Set(Object.keys(shape)), FAIL);
}

/**
 * The kinds of value a schema can accept (`typeof`, with null and arrays apart), or ANY; a union
 * skips the options that could only refuse the value, before zod would build an issue for it.
 */
type Kind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'bigint'
  | 'symbol'
  | 'function'
  | 'undefined'
  | 'null'
  | 'array'
  | 'object';
const ANY = 'any' as const;

function kindOf(v: unknown): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as Kind;
}

function kindsOf(schema: Schema): ReadonlySet<Kind> | typeof ANY {
  const def = schema._zod.def;
  const of = (values: unknown[]) => new Set(values.map(kindOf));
  const join = (a: ReadonlySet<Kind> | typeof ANY, extra: Kind) => (a === ANY ? ANY : new Set([...a, extra]));
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return new Set([def.type]);
    case 'literal':
      return of(def.values!);
    case 'enum':
      return of(Object.values(def.entries!));
    case 'object':
      return new Set(['object']);
    case 'array':
      return new Set(['array']);
    case 'optional':
      return join(kindsOf(def.innerType!), 'undefined');
    case 'nullable':
      return join(kindsOf(def.innerType!), 'null');
    case 'pipe':
      return kindsOf(def.in!);
    case 'union': {
      const all = def.options!.map(kindsOf);
      if (all.includes(ANY)) return ANY;
      return new Set(all.flatMap((k) => [...(k as ReadonlySet<Kind>)]));
    }
    default:
      return ANY;
  }
}
