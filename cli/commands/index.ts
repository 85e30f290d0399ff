import type { Command } from 'commander';
import { registerApprovals } from './approvals';
import { registerAudit } from './audit';
import { registerDeploy } from './deploy';
import { registerFindings } from './findings';
import { registerOnboard } from './onboard';
import { registerReconcile } from './reconcile';
import { registerReplay } from './replay';
import { registerSend } from './send';
import { registerStart } from './start';
import { registerSweep } from './sweep';
import { registerTriage } from './triage';

/** Each subcommand registers itself; add new ones here. */
export const commands: ReadonlyArray<(program: Command) => void> = [
  registerStart,
  registerOnboard,
  registerSweep,
  registerAudit,
  registerTriage,
  registerReplay,
  registerReconcile,
  registerFindings,
  registerSend,
  registerApprovals,
  registerDeploy,
];
