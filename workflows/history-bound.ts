import { type AslDefinition, type AslState, allStates, isCallbackTask } from './asl';

/**
 * The most history events an execution of a definition can record, computed from its states,
 * their Retry policies and its loops, so that a workflow can be shown to stay below Step
 * Functions' 25,000 events (Step Functions service quotas) in its worst case, not only in runs
 * someone thought of.
 *
 * Events per visit, as GetExecutionHistory shows them (HistoryEvent, Step Functions API Reference):
 * - Pass, Choice, Wait, Succeed: entered and exited (2); Fail: entered (1).
 * - A Lambda task: entered and exited, and per attempt scheduled, started and succeeded or
 *   failed (3); a callback task also records TaskSubmitted (4 per attempt).
 * - Each retrier may retry up to its MaxAttempts (3 when unset, Amazon States Language), and the
 *   retriers of a state count separately, so the worst case is every retrier spent.
 * - The execution adds ExecutionStarted and its end.
 * A loop (a strongly connected group of states) has no bound of its own: the caller names, for
 * each loop, a state in it and the most times an execution enters that state (the workflow must
 * enforce that count). A loop's weight is that count times its heaviest cycle through the state.
 * Map and Parallel states are not modelled (the response workflow has none); they are refused.
 */
export interface HistoryBoundOptions {
  /** Per loop: a state inside it and the most times an execution enters that state. */
  loops?: Record<string, number>;
  /** Count no retries: the figure for a run in which every call succeeds at once. */
  withoutRetries?: boolean;
}

export class UnboundedLoopError extends Error {
  override name = 'UnboundedLoopError';
}

const DEFAULT_MAX_ATTEMPTS = 3;

/** The most events one visit of `state` records (its retries included unless told otherwise). */
export function eventsPerVisit(
  state: AslState,
  options: Pick<HistoryBoundOptions, 'withoutRetries'> = {},
): number {
  switch (state.Type) {
    case 'Pass':
    case 'Choice':
    case 'Wait':
    case 'Succeed':
      return 2;
    case 'Fail':
      return 1;
    case 'Task': {
      const retriers = (state.Retry as { MaxAttempts?: number }[] | undefined) ?? [];
      const retries = options.withoutRetries
        ? 0
        : retriers.reduce((sum, r) => sum + (r.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS), 0);
      const perAttempt = isCallbackTask(state) ? 4 : 3;
      return 2 + perAttempt * (1 + retries);
    }
    default:
      throw new Error(`history bound: ${state.Type} states are not modelled`);
  }
}

/** The states a state may go to next: Next, End-less Choice branches, Default, Catch. */
export function successors(state: AslState): string[] {
  const out = new Set<string>();
  if (typeof state.Next === 'string') out.add(state.Next);
  if (typeof state.Default === 'string') out.add(state.Default);
  for (const choice of (state.Choices as { Next: string }[] | undefined) ?? []) out.add(choice.Next);
  for (const c of (state.Catch as { Next: string }[] | undefined) ?? []) out.add(c.Next);
  return [...out];
}

/** Strongly connected groups of states (Tarjan), each as a set of names. */
function stronglyConnected(states: Map<string, AslState>): Set<string>[] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: Set<string>[] = [];
  const visit = (name: string) => {
    indices.set(name, index);
    low.set(name, index);
    index += 1;
    stack.push(name);
    onStack.add(name);
    for (const next of successors(states.get(name)!)) {
      if (!indices.has(next)) {
        visit(next);
        low.set(name, Math.min(low.get(name)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(name, Math.min(low.get(name)!, indices.get(next)!));
      }
    }
    if (low.get(name) === indices.get(name)) {
      const group = new Set<string>();
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.add(member);
      } while (member !== name);
      groups.push(group);
    }
  };
  for (const name of states.keys()) if (!indices.has(name)) visit(name);
  return groups;
}

/** The heaviest simple cycle through `anchor` inside `group`. */
function heaviestCycle(
  anchor: string,
  group: Set<string>,
  weight: (name: string) => number,
  states: Map<string, AslState>,
): number {
  let best = 0;
  const onPath = new Set<string>();
  const walk = (name: string, sum: number) => {
    for (const next of successors(states.get(name)!)) {
      if (!group.has(next)) continue;
      if (next === anchor) best = Math.max(best, sum);
      else if (!onPath.has(next)) {
        onPath.add(next);
        walk(next, sum + weight(next));
        onPath.delete(next);
      }
    }
  };
  onPath.add(anchor);
  walk(anchor, weight(anchor));
  return best;
}

export interface HistoryBound {
  /** The most events any execution records. */
  events: number;
  /** Per loop (named by its anchor state): the events one heaviest round records. */
  roundEvents: Record<string, number>;
}

/** The most history events an execution of `definition` can record. */
export function historyBound(definition: AslDefinition, options: HistoryBoundOptions = {}): HistoryBound {
  const states = allStates(definition);
  for (const state of states.values())
    if (state.Type === 'Map' || state.Type === 'Parallel')
      throw new Error(`history bound: ${state.Type} states are not modelled`);
  const weight = (name: string) => eventsPerVisit(states.get(name)!, options);
  const groups = stronglyConnected(states);
  const groupOf = new Map<string, Set<string>>();
  for (const group of groups) for (const name of group) groupOf.set(name, group);

  const roundEvents: Record<string, number> = {};
  const groupWeight = new Map<Set<string>, number>();
  for (const group of groups) {
    const [only] = group;
    const loops = group.size > 1 || successors(states.get(only!)!).includes(only!);
    if (!loops) {
      groupWeight.set(group, weight(only!));
      continue;
    }
    const anchor = Object.keys(options.loops ?? {}).find((name) => group.has(name));
    if (!anchor) {
      throw new UnboundedLoopError(
        `the states ${[...group].map((n) => `"${n}"`).join(', ')} form a loop that nothing bounds`,
      );
    }
    const round = heaviestCycle(anchor, group, weight, states);
    roundEvents[anchor] = round;
    groupWeight.set(group, round * options.loops![anchor]!);
  }

  // The heaviest path through the groups, which form a directed acyclic graph.
  const memo = new Map<Set<string>, number>();
  const heaviestFrom = (group: Set<string>): number => {
    const known = memo.get(group);
    if (known !== undefined) return known;
    let tail = 0;
    for (const name of group) {
      for (const next of successors(states.get(name)!)) {
        const target = groupOf.get(next)!;
        if (target !== group) tail = Math.max(tail, heaviestFrom(target));
      }
    }
    const total = groupWeight.get(group)! + tail;
    memo.set(group, total);
    return total;
  };
  const EXECUTION_STARTED_AND_ENDED = 2;
  return {
    events: EXECUTION_STARTED_AND_ENDED + heaviestFrom(groupOf.get(definition.StartAt)!),
    roundEvents,
  };
}
