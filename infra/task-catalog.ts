import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentSchema } from '../tasks/shared/environment';
import { NO_ENVIRONMENT } from '../tasks/shared/environment';
import type { FunctionManifest, FunctionTrigger, TaskNeeds } from '../tasks/shared/task';
import type { AslDefinition } from '../workflows/asl';
import type { WorkflowModule } from '../workflows/index';
import { PROJECT_ROOT } from './names';

/**
 * One Lambda function of Warden, as its manifest declares it (`FunctionManifest`), with the
 * defaults filled in: nothing about a function is decided here.
 */
export interface DeployedTask {
  readonly id: string;
  /** Absolute path of the entry file. */
  readonly entry: string;
  readonly trigger: FunctionTrigger;
  readonly environment: EnvironmentSchema;
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

/** A manifest as the CDK app deploys it. */
export function deployedTask(manifest: FunctionManifest): DeployedTask {
  const entry = existing(manifest.id, absolute(manifest.entry));
  return {
    id: manifest.id,
    entry,
    trigger: manifest.trigger ?? { kind: 'workflow' },
    environment: manifest.environment ?? NO_ENVIRONMENT,
    needs: manifest.needs ?? {},
    timeoutSeconds: manifest.timeoutSeconds,
  };
}

/**
 * Every distinct function: the tasks of the given workflows and the functions events or the API
 * start, by id. One id is one function, so two manifests with the same id must be the same
 * function (same entry).
 */
export function deployedFunctions(
  workflows: readonly WorkflowModule[],
  triggered: readonly FunctionManifest[] = [],
): Map<string, DeployedTask> {
  const out = new Map<string, DeployedTask>();
  const manifests = [...workflows.flatMap((w) => w.tasks), ...triggered];
  for (const manifest of manifests) {
    const entry = absolute(manifest.entry);
    const seen = out.get(manifest.id);
    if (seen && seen.entry !== entry) {
      throw new WiringError(
        `task id ${manifest.id} names two different files: ${path.relative(PROJECT_ROOT, seen.entry)} and ${path.relative(PROJECT_ROOT, entry)}`,
      );
    }
    if (!seen) out.set(manifest.id, deployedTask(manifest));
  }
  return out;
}

/** Every distinct task of the given workflows, by id. */
export function workflowTasks(workflows: readonly WorkflowModule[]): Map<string, DeployedTask> {
  return deployedFunctions(workflows);
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
