/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers`, which Node gained in version 22.
 * Loaded before the engine (and by jest's setupFiles) so the runtime works on Node 20.
 */
const P = Promise as unknown as { withResolvers?: () => unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// The AWS SDK warns once per process that releases after January 2027 need Node 22; the pinned
// versions keep working on Node 20 (Lambda runs nodejs22.x), so keep it out of CLI output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
