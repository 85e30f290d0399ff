import { App } from 'aws-cdk-lib';
import { ConfigError } from '../config/load';
import { loadAppConfig } from './config-source';
import { addWardenStacks } from './warden';

/**
 * `npx cdk synth` / `cdk deploy WardenSecurity ...`. A bad config stops synthesis with the
 * config error's message, one line per offending field, and a non-zero exit.
 */
const app = new App();
try {
  addWardenStacks(app, loadAppConfig(app));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
app.synth();
