import { en } from 'zod/locales';
import { config, type core, type util } from 'zod/mini';

/**
 * The zod build of the schemas a Lambda function builds when it loads: the tasks' inputs, the
 * GuardDuty finding, the environment and the AWS names. `zod/mini` is the same package and the
 * same validation core as classic zod (the same checks, issues and messages), without classic's
 * methods on every schema: building the intake's and the block task's schemas with it takes about
 * half the time, and its functions are dropped from a bundle when unused, where classic's are not.
 * The config schema, read only at synth and by the CLI, stays classic for its `.describe()`.
 *
 * Classic zod installs its English messages when it builds its first schema; zod/mini installs
 * none, so an issue without a message of its own would read "Invalid input". Every module that
 * builds a mini schema imports zod/mini through this module (`import * as z from
 * '…/config/zod-mini'`), which installs the same English messages first unless classic already
 * did. It re-exports zod/mini's names one by one (`export *`), never as one object, so that a
 * bundle keeps only the functions it calls.
 */
if (!config().localeError) config(en());

export * from 'zod/mini';

/**
 * A schema of either zod build, classic or mini, which both answer `safeParse` alike: what code
 * that only parses with a schema it is given (a task's input, a stored record) accepts.
 */
export type AnyZodSchema<T> = core.$ZodType<T, unknown> & {
  safeParse(input: unknown): util.SafeParseResult<NoInfer<T>>;
};
