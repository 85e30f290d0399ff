import type { WorldAccount } from './world';

/**
 * A small organisation of member accounts for the local runtime and tests: ids `3000000000NN`
 * (NN from 01), named `member-NN`. A placeholder until the scenario helpers in runtime/scenario/
 * take over.
 */
export function demoMembers(count: number, options: { firstIndex?: number } = {}): WorldAccount[] {
  if (!Number.isInteger(count) || count < 0 || count > 99_999_999) {
    throw new RangeError(`member count must be a whole number from 0, got ${count}`);
  }
  const first = options.firstIndex ?? 1;
  return Array.from({ length: count }, (_, i) => {
    const n = String(first + i).padStart(2, '0');
    const id = `3${'0'.repeat(11 - n.length)}${n}`;
    return { id, name: `member-${n}`, email: `member-${n}@example.com` };
  });
}
