import type { AuditStory } from '../model';
import { summarise } from './summary';

/**
 * The stories as JSON, with the summary figures. Nothing in it depends on when or from where it
 * was read, so the same executions give the same bytes from the API and from the archive.
 */
export function renderJson(stories: readonly AuditStory[]): string {
  return `${JSON.stringify({ summary: summarise(stories), stories }, null, 2)}\n`;
}
