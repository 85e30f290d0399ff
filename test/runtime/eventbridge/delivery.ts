import { expect } from '@jest/globals';

/**
 * What a bus record's delivery must hold for an event that reached `target` through a rule whose
 * name contains `rule` (left unchecked when not given), with a result of at least `result`.
 */
export function deliveryTo(target: string, result: Record<string, unknown>, rule?: string) {
  return expect.objectContaining({
    ...(rule === undefined ? {} : { rule: expect.stringContaining(rule) }),
    target,
    result: expect.objectContaining(result),
  });
}
