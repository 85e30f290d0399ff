import type { AnyZodSchema } from '../config/zod-mini';

/**
 * JSON text Warden stored (a decision record, an archived execution), checked against its schema.
 * Text that is not one says where it was read (`where`), what it should have been (`what`) and
 * the first thing wrong, as the error `fail` makes: each reader keeps its own error class.
 */
export function parseStoredJson<T>(
  schema: AnyZodSchema<T>,
  text: string,
  where: string,
  what: string,
  fail: (message: string) => Error,
): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw fail(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join('.') || '(top level)';
    throw fail(`${where} is not ${what}: ${path}: ${issue.message}`);
  }
  return parsed.data;
}
