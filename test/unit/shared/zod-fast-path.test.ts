import fc from 'fast-check';
import { z } from 'zod';
import { UnsupportedSchemaError } from '../../../tasks/shared/errors';
import { zodFastPath } from '../../../tasks/shared/zod-fast-path';

/** The schema's answer in the fast path's terms: the parsed value, or undefined when refused. */
function bySchema(schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

describe('zodFastPath', () => {
  it.each<[string, z.ZodType, unknown[]]>([
    ['a string with limits', z.string().min(2).max(4), ['ab', 'abcd', 'a', 'abcde', 3, null]],
    // zod counts code points: four emoji are 8 UTF-16 units and within max(4); "a" and two emoji are 5 units, under min(5).
    ['a maximum in code points', z.string().max(4), ['😀😀😀😀', '😀😀😀😀😀']],
    ['a minimum in code points', z.string().min(5), ['a😀😀', 'abcde', '😀😀😀😀😀']],
    ['a pattern', z.string().regex(/^[a-z]+$/g), ['abc', 'abc', 'Abc', '']],
    [
      'an ISO timestamp',
      z.iso.datetime({ offset: true }),
      ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00+02:00', '2026-13-01T00:00:00Z'],
    ],
    [
      'a bounded number',
      z.number().min(0).max(10),
      [0, 10, 10.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '5'],
    ],
    ['an exclusive bound', z.number().gt(0).lt(1), [0, 0.5, 1]],
    ['a safe integer', z.number().int().min(-1), [-1, 3, 1.5, 2 ** 53, -2]],
    [
      'a literal and an enum',
      z.object({ a: z.literal('x'), b: z.enum(['P', 'Q']) }),
      [
        { a: 'x', b: 'P' },
        { a: 'y', b: 'P' },
        { a: 'x', b: 'R' },
      ],
    ],
    ['a refinement', z.string().refine((s) => s.startsWith('i-')), ['i-1', 'x-1']],
    [
      'an object refinement',
      z.object({ a: z.string().optional() }).refine((o) => o.a !== undefined),
      [{ a: 'x' }, {}],
    ],
    [
      'a union, first option first',
      z.union([z.number().transform(String), z.string().max(3)]),
      [12, 'abc', 'abcd', true],
    ],
    [
      'nullish with a transform',
      z
        .string()
        .nullish()
        .transform((v) => v ?? undefined),
      ['x', null, undefined, 1],
    ],
    ['an array with a size limit', z.array(z.number()).max(2), [[], [1, 2], [1, 2, 3], [1, 'x'], 'ab']],
    [
      'a transform that adds an issue',
      z.string().transform((v, ctx) => {
        if (v === 'bad') ctx.addIssue({ code: 'custom', message: 'bad' });
        return v.length;
      }),
      ['good', 'bad'],
    ],
  ])('gives the schema’s answer for %s', (_name, schema, values) => {
    // Arrange
    const fast = zodFastPath(schema);

    // Act and assert
    for (const value of values) expect(fast(value)).toStrictEqual(bySchema(schema, value));
  });

  it('treats absent, undefined and optional keys as zod does', () => {
    // Arrange
    const schema = z.object({
      required: z.string(),
      optional: z.string().optional(),
      nullish: z
        .string()
        .nullish()
        .transform((v) => v ?? undefined),
      unknown: z.unknown(),
    });
    const fast = zodFastPath(schema);
    const inputs = [
      { required: 'x', unknown: 1 },
      { required: 'x', optional: undefined, nullish: null },
      { required: 'x', nullish: 'y', unknown: undefined },
      { optional: 'y' },
      { required: undefined },
    ];

    // Act and assert
    for (const input of inputs) expect(fast(input)).toStrictEqual(bySchema(schema, input));
  });

  it('drops unknown keys, keeps a loose object’s and never copies __proto__', () => {
    // Arrange
    const input = JSON.parse('{"a":"x","extra":1,"__proto__":{"polluted":true}}');
    const strip = z.object({ a: z.string() });
    const loose = z.looseObject({ a: z.string() });
    const strict = z.strictObject({ a: z.string() });

    // Act
    const stripped = zodFastPath(strip)(input);
    const kept = zodFastPath(loose)(input);

    // Assert
    expect(stripped).toStrictEqual(bySchema(strip, input));
    expect(kept).toStrictEqual(bySchema(loose, input));
    expect(zodFastPath(strict)(input)).toBe(bySchema(strict, input));
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('agrees with the schema on any JSON value', () => {
    // Arrange: a schema using every kind of node the fast path walks
    const schema = z.object({
      id: z.string().regex(/^[a-z0-9]{1,8}$/),
      n: z.number().int().min(0).max(100).optional(),
      info: z
        .union([z.number().transform(String), z.boolean().transform(String), z.string().max(5)])
        .nullish(),
      list: z
        .array(z.object({ k: z.string().min(1).max(3), v: z.unknown() }))
        .max(3)
        .optional(),
      loose: z
        .looseObject({})
        .transform(() => ({}))
        .optional(),
    });
    const fast = zodFastPath(schema);
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          id: fc.oneof(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.string()),
          n: fc.oneof(fc.integer({ min: -2, max: 102 }), fc.double(), fc.constant(null)),
          info: fc.oneof(fc.string({ maxLength: 7 }), fc.integer(), fc.boolean(), fc.constant(null)),
          list: fc.array(fc.record({ k: fc.string({ maxLength: 4 }), v: fc.jsonValue({ maxDepth: 1 }) }), {
            maxLength: 4,
          }),
          loose: fc.oneof(fc.dictionary(fc.string(), fc.integer()), fc.constant([])),
        },
        { requiredKeys: [] },
      ),
    );

    // Act and assert
    fc.assert(
      fc.property(value, (input) => {
        expect(fast(input)).toStrictEqual(bySchema(schema, input));
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it.each<[string, z.ZodType]>([
    ['a date', z.object({ at: z.date() })],
    ['a record', z.record(z.string(), z.number())],
    ['a default', z.object({ a: z.string().default('x') })],
    ['coercion', z.coerce.number()],
    ['a typed catchall', z.object({}).catchall(z.string())],
  ])('refuses, when it is made, a schema with %s', (_name, schema) => {
    // Act
    const make = () => zodFastPath(schema);

    // Assert
    expect(make).toThrow(UnsupportedSchemaError);
  });
});
