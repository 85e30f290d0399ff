/**
 * Readers for JSON whose shape is expected but not guaranteed (histories of older versions,
 * truncated payloads): each returns the value when it has the expected type, else null.
 */
export type Loose = Record<string, unknown>;

export function obj(value: unknown): Loose | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : null;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The objects of a list whose `key` field is a string, each read into facts with that string;
 * entries that are not such objects are left out.
 */
export function keyedObjects<Facts>(
  value: unknown,
  key: string,
  read: (fields: Loose, keyValue: string) => Facts,
): Facts[] {
  return list(value).flatMap((raw) => {
    const fields = obj(raw);
    const keyValue = str(fields?.[key]);
    return fields && keyValue ? [read(fields, keyValue)] : [];
  });
}

export function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === 'string');
}

/** Seconds between two ISO times, or null when either is missing. */
export function secondsBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? null : Math.round(ms / 100) / 10;
}
