import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { TaskNeeds } from '../tasks/shared/task';
import type { AslDefinition } from '../workflows/asl';
import type { WorkflowModule } from '../workflows/index';
import { PROJECT_ROOT } from './names';
import type { TriggeredTask } from './triggers';

/** One Lambda function of Warden: a task id, the file it bundles and what it may touch. */
export interface DeployedTask {
  readonly id: string;
  /** Absolute path of the entry file. */
  readonly entry: string;
  readonly needs: TaskNeeds;
  /** @default 60 seconds */
  readonly timeoutSeconds?: number;
}

export class WiringError extends Error {
  override readonly name = 'WiringError';
}

function absolute(entry: string): string {
  return path.isAbsolute(entry) ? entry : path.join(PROJECT_ROOT, entry);
}

/** A task whose entry file does not exist fails `cdk synth` rather than deploying a function that cannot run. */
function existing(id: string, file: string): string {
  if (!existsSync(file)) {
    throw new WiringError(`task ${id} names ${path.relative(PROJECT_ROOT, file)}, which does not exist`);
  }
  return file;
}

/**
 * Every distinct task of the given workflows, by id. A task id used by two workflows must be the
 * same task (same entry), since it becomes one function.
 */
export function workflowTasks(workflows: readonly WorkflowModule[]): Map<string, DeployedTask> {
  const out = new Map<string, DeployedTask>();
  for (const workflow of workflows) {
    for (const task of workflow.tasks) {
      const entry = absolute(task.entry);
      const seen = out.get(task.id);
      if (seen && seen.entry !== entry) {
        throw new WiringError(
          `task id ${task.id} names two different files: ${path.relative(PROJECT_ROOT, seen.entry)} and ${path.relative(PROJECT_ROOT, entry)}`,
        );
      }
      out.set(task.id, { id: task.id, entry: existing(task.id, entry), needs: task.needs ?? {} });
    }
  }
  return out;
}

/**
 * A function started by an event or the API rather than by a state machine: the workflow task
 * with that id when one exists, otherwise the infra's declaration of it.
 */
export function triggeredTask(
  tasks: ReadonlyMap<string, DeployedTask>,
  trigger: TriggeredTask,
): DeployedTask {
  const declared = tasks.get(trigger.id);
  if (declared) return { ...declared, timeoutSeconds: trigger.timeoutSeconds };
  return {
    id: trigger.id,
    entry: existing(trigger.id, absolute(trigger.entry)),
    needs: trigger.needs,
    timeoutSeconds: trigger.timeoutSeconds,
  };
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** The `${TaskId}` placeholders of a definition, wherever they appear, in order of first use. */
export function taskPlaceholders(definition: AslDefinition): string[] {
  const found = new Set<string>();
  for (const match of JSON.stringify(definition).matchAll(PLACEHOLDER)) found.add(match[1]);
  return [...found];
}

/**
 * Checks that the ASL names only tasks the workflow declares, so a typo fails `cdk synth` instead
 * of a deployment (CloudFormation would leave the placeholder in the definition).
 */
export function checkPlaceholders(workflow: WorkflowModule, definition: AslDefinition): string[] {
  const declared = new Set(workflow.tasks.map((t) => t.id));
  const placeholders = taskPlaceholders(definition);
  const unknown = placeholders.filter((p) => !declared.has(p));
  if (unknown.length > 0) {
    throw new WiringError(
      `workflow ${workflow.name} uses ${unknown.map((u) => `\${${u}}`).join(', ')} but its tasks are ${[...declared].join(', ') || '(none)'}`,
    );
  }
  return placeholders;
}
