import { classifyAwsError, TransientAwsError } from './errors';

/**
 * Errors a call expects, by the SDK error's `name`: the handler's result stands in for the call's
 * (or the handler throws the error Warden names for it), e.g. a failed condition that means
 * "already done" or an execution name that is taken.
 */
export type ExpectedErrors<R> = Readonly<Record<string, (error: Error) => R | Promise<R>>>;

/**
 * How Warden's tasks call AWS: an error the caller expects goes to its handler; any other is
 * classified once (tasks/shared/errors.ts), so a transient error becomes `TransientAwsError` (the
 * state machine retries it with backoff and jitter) and anything else passes unchanged, named for
 * what was being done.
 */
export async function call<T, R = never>(
  doing: string,
  send: () => Promise<T>,
  expected?: ExpectedErrors<R>,
): Promise<T | R> {
  try {
    return await send();
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    const handle =
      expected && typeof name === 'string' && Object.hasOwn(expected, name) ? expected[name] : undefined;
    if (handle) return handle(error as Error);
    return classifyAwsError(error, doing);
  }
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Attempts a listing's page gets (`retryPage`) before its throttling goes to the state machine's Retry. */
export const PAGE_ATTEMPTS = 6;

/**
 * A few quick, jittered attempts for one page of a long listing. Retrying the whole task would
 * repeat every page, and with 50 pages at 20% throttling the listing would almost never finish;
 * what is still throttled after these attempts goes to the state machine's Retry.
 */
export async function retryPage<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof TransientAwsError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
    }
  }
}
