import { describe, expect, it } from '@jest/globals';
import { cacheSlot, RuntimeCaches } from '../../../tasks/shared/runtime-caches';

describe('RuntimeCaches', () => {
  const SEEN = cacheSlot('seen names', () => new Set<string>());

  it('creates a slot on first use and returns the same value afterwards', () => {
    const caches = new RuntimeCaches();
    caches.get(SEEN).add('a');
    expect([...caches.get(SEEN)]).toEqual(['a']);
  });

  it('keeps each runtime to its own entries', () => {
    const first = new RuntimeCaches();
    const second = new RuntimeCaches();
    first.get(SEEN).add('only in the first');
    expect(second.get(SEEN).size).toBe(0);
    expect(first.get(SEEN).has('only in the first')).toBe(true);
  });
});
