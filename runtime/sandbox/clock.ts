/**
 * The time source of the sandbox services, in epoch milliseconds like `Date.now`, so that tests
 * and the accelerated local runtime decide what "now" is for expiries and timestamps. A plain
 * function rather than the runtime's `Clock` (runtime/clock.ts), which also sleeps: services only
 * read the time. Pass `() => clock.now()`.
 */
export type SandboxClock = () => number;

export const systemClock: SandboxClock = () => Date.now();
