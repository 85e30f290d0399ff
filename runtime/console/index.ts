import { buildStory } from '../../audit/story';
import { securityHeaders } from '../../tasks/approval/html';
import type { LocalHttpResponse, WardenHttpServer } from '../http-server';
import { type ConsoleWarden, collectConsoleView, findExecution } from './collect';
import { CONSOLE_PATH, renderConsole, renderMissingStory, renderStoryPage } from './render';
import { CONSOLE_STYLE } from './style';

export type { ConsoleWarden } from './collect';

/**
 * The local console: a read-only page next to the approval page that shows onboarding coverage,
 * active blocks, pending approvals, recent executions (each linked to its story) and the
 * notifications Warden sent.
 *
 * Only GET routes: looking at the console must never change anything, so a POST to any of its
 * addresses is answered 405 by the server. `/` redirects here, since it is what people open.
 */
export interface ConsoleOptions {
  /** How often the page reloads itself (a `Refresh` header, no script); 0 turns it off. @default 10 */
  refreshSeconds?: number;
  /** How many of the latest executions the console lists. @default 25 */
  executionLimit?: number;
  /** How many of the latest notifications the console shows. @default 25 */
  notificationLimit?: number;
}

/** `/console/executions/<state machine>/<execution name>`; the runtime allows `[A-Za-z0-9_-]` in both. */
const STORY_PATH = /^\/console\/executions\/([A-Za-z0-9_-]{1,80})\/([A-Za-z0-9_-]{1,80})$/;

export function mountConsole(
  server: Pick<WardenHttpServer, 'addRoute'>,
  warden: ConsoleWarden,
  options: ConsoleOptions = {},
): void {
  const refreshSeconds = options.refreshSeconds ?? 10;
  const executionLimit = options.executionLimit ?? 25;
  const notificationLimit = options.notificationLimit ?? 25;
  if (!Number.isInteger(refreshSeconds) || refreshSeconds < 0)
    throw new RangeError(`refreshSeconds must be a whole number from 0, got ${refreshSeconds}`);
  if (!Number.isInteger(executionLimit) || executionLimit < 1)
    throw new RangeError(`executionLimit must be a whole number from 1, got ${executionLimit}`);
  if (!Number.isInteger(notificationLimit) || notificationLimit < 1)
    throw new RangeError(`notificationLimit must be a whole number from 1, got ${notificationLimit}`);

  server.addRoute({
    method: 'GET',
    path: '/',
    handle: async () => ({
      status: 303,
      headers: { ...securityHeaders(), location: CONSOLE_PATH },
      body: '',
    }),
  });
  server.addRoute({
    method: 'GET',
    path: CONSOLE_PATH,
    handle: async (request) => {
      const view = await collectConsoleView(warden, {
        signedInAs: request.identity?.name ?? null,
        refreshSeconds,
        executionLimit,
        notificationLimit,
      });
      const headers = consoleHeaders();
      if (refreshSeconds) headers.refresh = String(refreshSeconds);
      return { status: 200, headers, body: renderConsole(view) };
    },
  });
  server.addRoute({
    method: 'GET',
    path: /^\/console\/executions\//,
    handle: async (request): Promise<LocalHttpResponse> => {
      const signedInAs = request.identity?.name ?? null;
      const match = STORY_PATH.exec(request.url.pathname);
      const ref = { stateMachine: match?.[1] ?? '', name: match?.[2] ?? '' };
      const record = match ? findExecution(warden, ref) : undefined;
      if (!record) {
        return { status: 404, headers: consoleHeaders(), body: renderMissingStory(ref, signedInAs) };
      }
      const story = buildStory({
        execution: { ...record },
        events: [...warden.runtime.store.history(record.executionArn)],
      });
      return { status: 200, headers: consoleHeaders(), body: renderStoryPage(story, signedInAs) };
    },
  });
}

function consoleHeaders(): Record<string, string> {
  return securityHeaders({ extraStyle: CONSOLE_STYLE });
}
