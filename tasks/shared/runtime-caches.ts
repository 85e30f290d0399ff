/**
 * What a warm runtime remembers between task calls (network ACLs read a moment ago, the
 * administrator's confirmed detector). One instance lives in each runtime's deps: made at cold
 * start in a Lambda container, made with each local runtime. Two local runtimes in one process
 * (tests, benchmarks, the findings demo) therefore never see each other's entries, and nothing
 * has to be cleared between them.
 */
export class RuntimeCaches {
  private readonly values = new Map<CacheSlot<unknown>, unknown>();

  /** The runtime's value for `slot`, created on first use. */
  get<T>(slot: CacheSlot<T>): T {
    if (!this.values.has(slot)) this.values.set(slot, slot.create());
    return this.values.get(slot) as T;
  }
}

/** One kind of cached value: its owner declares it once at module level, with how to start it. */
export interface CacheSlot<T> {
  /** What is cached, for readers and debuggers. */
  readonly name: string;
  create(): T;
}

export function cacheSlot<T>(name: string, create: () => T): CacheSlot<T> {
  return { name, create };
}
