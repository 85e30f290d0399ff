import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { WardenConfig } from '../../config/schema';
import type { StackTemplate } from './template';

/**
 * Synthesizes Warden's CDK app (`infra/warden.ts`, what `cdk deploy` deploys) in memory, with
 * bundling skipped through the CDK's own `aws:cdk:bundling-stacks` context: the local runtime runs
 * each function's task from its source, so only the templates matter. cdk-nag and CloudFormation's
 * schema validation are left to `cdk synth`; neither changes a template.
 *
 * aws-cdk-lib is loaded here, on first use, so that a process whose templates come from the cache
 * never loads it (it takes seconds).
 */
export function synthesizeTemplates(config: WardenConfig): StackTemplate[] {
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { addWardenStacks } = require('../../infra/warden') as typeof import('../../infra/warden');
  const outdir = mkdtempSync(path.join(tmpdir(), 'warden-synth-'));
  try {
    const app = new App({
      outdir,
      autoSynth: false,
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    addWardenStacks(app, config, { nag: false });
    const assembly = app.synth();
    return assembly.stacks.map((stack) => ({
      stackName: stack.stackName,
      account: stack.environment.account,
      region: stack.environment.region,
      template: stack.template,
    }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
