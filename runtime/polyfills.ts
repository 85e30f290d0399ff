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
// versions keep working on Node 20, so keep the warning out of CLI output and test logs.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const name = typeof warning === 'object' ? warning.name : (rest[0] as { type?: string } | string | undefined);
  const type = typeof name === 'string' ? name : name?.type;
  if (type === 'NodeVersionSupportWarning') return;
  return (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
