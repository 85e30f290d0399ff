import fc from 'fast-check';
import { checkFindingEvent } from '../../../tasks/response/fast-finding';
import { FindingEventSchema } from '../../../tasks/response/finding';
import { brokenEvent, oddEvent, validEvent } from '../../fixtures/finding-arbitraries';
import { fieldPathsOf, withFieldReplaced } from '../../fixtures/findings';

/**
 * The fast path and the schema on a large generated corpus: for every event both give the same
 * answer (accept or refuse) and, when they accept, the same parsed value, key for key (an
 * undefined-valued key included). Each kind of event is generated with its own seed, so a
 * failure names the counterexample and can be replayed.
 */

/** Runs the schema and the fast path on the same event (neither changes its input). */
function compare(event: unknown): { accepted: boolean } {
  const fast = checkFindingEvent(event);
  const schema = FindingEventSchema.safeParse(event);
  expect(fast !== undefined).toBe(schema.success);
  if (schema.success) expect(fast).toStrictEqual(schema.data);
  return { accepted: schema.success };
}

/** Runs `numRuns` events of one kind and counts how many the schema accepted. */
function corpus(kind: fc.Arbitrary<Record<string, unknown>>, numRuns: number, seed: number) {
  let accepted = 0;
  let total = 0;
  fc.assert(
    fc.property(kind, (event) => {
      total += 1;
      if (compare(event).accepted) accepted += 1;
    }),
    { numRuns, seed },
  );
  return { accepted, total };
}

describe('checkFindingEvent on a generated corpus', () => {
  it('accepts every valid event, with the value the schema builds', () => {
    // Act
    const { accepted, total } = corpus(validEvent, 2500, 101);

    // Assert
    expect(total).toBe(2500);
    expect(accepted).toBe(2500);
  });

  it('agrees with the schema on events with the oddities the intake tolerates', () => {
    // Act
    const { accepted, total } = corpus(oddEvent, 3000, 202);

    // Assert: nearly all are accepted; the rest are text one character over a limit
    expect(total).toBe(3000);
    expect(accepted).toBeGreaterThan(2500);
    expect(accepted).toBeLessThan(3000);
  });

  it('refuses, as the schema does, every event with a part no GuardDuty finding has', () => {
    // Act
    const { accepted, total } = corpus(brokenEvent, 2500, 303);

    // Assert
    expect(total).toBe(2500);
    expect(accepted).toBe(0);
  });

  it('agrees with the schema when any part of an event is replaced by any JSON value', () => {
    // Arrange: every path of generated events, replaced by arbitrary JSON or edge values
    const replaced = fc
      .tuple(
        fc.oneof(validEvent, oddEvent),
        fc.nat(),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom('', '::1', '10.0.0.1', 'fe80::1%eth0', -1, 65536, 1e300, null, '😀'.repeat(33)),
        ),
      )
      .map(([event, n, value]) => {
        const paths = fieldPathsOf(event);
        return withFieldReplaced(event, paths[n % paths.length]!, value);
      });

    // Act
    const { accepted, total } = corpus(replaced, 2000, 404);

    // Assert: both outcomes occur, so the comparison covers both
    expect(total).toBe(2000);
    expect(accepted).toBeGreaterThan(200);
    expect(accepted).toBeLessThan(1800);
  });
});
