import type { Command } from 'commander';
import { DEPLOY_STEPS, deployStep, deployStepsFor } from '../../runtime/deployment/deploy-steps';
import { DeployStepError } from '../../runtime/deployment/errors';
import { CliError } from '../cli-error';
import { DEFAULT_CONFIG, readConfigOption } from './local-options';

/**
 * `warden deploy STEP`: one step of the README's deploy steps. It prints the exact `aws`/`cdk`
 * commands of the step for the config, to run with the credentials of the account the step names;
 * `warden deploy --list` prints the steps the config's onboarding mode needs, in order. Locally,
 * `warden start` and the deploy rehearsal perform the same steps against the sandbox.
 */
interface DeployOptions {
  config: string;
  list?: boolean;
}

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description(`one deploy step (${DEPLOY_STEPS.map((s) => s.id).join(', ')}): prints its aws/cdk commands`)
    .argument('[step]', 'the deploy step, as the README lists it')
    .option('--config <file>', 'Warden config file', DEFAULT_CONFIG)
    .option('--list', 'list the steps the config needs, in order')
    .action((step: string | undefined, options: DeployOptions) => {
      process.stdout.write(deployCommandOutput(step, options));
    });
}

export function deployCommandOutput(step: string | undefined, options: DeployOptions): string {
  const config = readConfigOption(options.config);
  if (options.list || step === undefined) {
    if (step !== undefined) throw new CliError('give either a STEP or --list, not both');
    return `${deployStepsFor(config)
      .map((s, i) => `${i + 1}. ${s.account} account: npm run warden -- deploy ${s.id}  (${s.title})`)
      .join('\n')}\n`;
  }
  let found: ReturnType<typeof deployStep>;
  try {
    found = deployStep(step);
  } catch (error) {
    if (error instanceof DeployStepError) throw new CliError(error.message);
    throw error;
  }
  if (!found.modes.includes(config.onboarding.mode)) {
    throw new CliError(
      `deploy step ${step} is for ${found.modes.join(' and ')} mode; ${options.config} sets onboarding.mode to ${config.onboarding.mode}`,
    );
  }
  const account =
    found.account === 'management'
      ? config.organization.managementAccountId
      : config.organization.securityAccountId;
  return [
    `# with credentials of the ${found.account} account (${account}):`,
    ...found.awsCommands(config),
    '',
  ].join('\n');
}
