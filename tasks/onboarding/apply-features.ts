import {
  type DetectorFeatureConfiguration,
  GetMemberDetectorsCommand,
  type MemberFeaturesConfiguration,
  UpdateMemberDetectorsCommand,
} from '@aws-sdk/client-guardduty';
import { administratorClient } from '../guardduty/aws';
import { featureChanges } from '../guardduty/features';
import { GUARDDUTY_BATCH } from '../guardduty/members';
import { call, chunks } from '../shared/aws-call';
import { lambdaHandler } from '../shared/lambda';
import { defineTask } from '../shared/task';
import { type MemberEntry, type RegionResult, RegionWork } from './model';

/**
 * Brings each Enabled member's protection features to what config says, from the administrator
 * (UpdateMemberDetectors), writing only for members whose features differ. This is the region
 * branch's last step: every account leaves it with an outcome.
 */
export const applyFeaturesTask = defineTask({
  id: 'ApplyFeatures',
  entry: __filename,
  input: RegionWork,
  needs: { actions: ['guardduty:GetMemberDetectors', 'guardduty:UpdateMemberDetectors'] },
  run: async (work, deps): Promise<RegionResult> => {
    const client = administratorClient(deps, work.region);
    const enabled = work.members.filter((m) => !m.outcome && m.status === 'Enabled').map((m) => m.accountId);
    const changes = new Map<string, DetectorFeatureConfiguration[]>();
    const unreadable = new Set<string>();
    for (const batch of chunks(enabled, GUARDDUTY_BATCH)) {
      const out = await call(`reading the features of ${batch.length} members in ${work.region}`, () =>
        client.send(
          new GetMemberDetectorsCommand({ DetectorId: work.administratorDetectorId, AccountIds: batch }),
        ),
      );
      for (const c of out.MemberDataSourceConfigurations ?? []) {
        const diff = featureChanges(deps.config, c.Features ?? []);
        if (c.AccountId && diff.length) changes.set(c.AccountId, diff);
      }
      for (const u of out.UnprocessedAccounts ?? []) if (u.AccountId) unreadable.add(u.AccountId);
    }
    // Members needing the same change share one call (and so, in practice, one call for all).
    const groups = new Map<string, { features: DetectorFeatureConfiguration[]; accounts: string[] }>();
    for (const [account, features] of changes) {
      const key = JSON.stringify(features);
      const group = groups.get(key) ?? { features, accounts: [] };
      group.accounts.push(account);
      groups.set(key, group);
    }
    for (const { features, accounts } of groups.values()) {
      for (const batch of chunks(accounts, GUARDDUTY_BATCH)) {
        const out = await call(`updating the features of ${batch.length} members in ${work.region}`, () =>
          client.send(
            new UpdateMemberDetectorsCommand({
              DetectorId: work.administratorDetectorId,
              AccountIds: batch,
              // Every feature Warden configures is also a member feature.
              Features: features as MemberFeaturesConfiguration[],
            }),
          ),
        );
        for (const u of out.UnprocessedAccounts ?? []) if (u.AccountId) unreadable.add(u.AccountId);
      }
    }
    const members = work.members.map((m): MemberEntry => {
      if (m.outcome) return m;
      if (m.status === 'Invited') {
        return {
          ...m,
          outcome: 'NOT_ENABLED_IN_TIME',
          detail: `GuardDuty still reported the member as Invited after ${work.checks} checks; the next sweep looks again`,
        };
      }
      if (m.status !== 'Enabled') {
        return {
          ...m,
          outcome: 'FAILED',
          error: 'UnexpectedGuardDutyResponseError',
          detail: `status ${m.status}`,
        };
      }
      if (unreadable.has(m.accountId)) {
        return {
          ...m,
          outcome: 'FAILED',
          error: 'FeaturesNotAppliedError',
          detail: 'GuardDuty did not accept the feature settings for this member',
        };
      }
      const changed = changes.get(m.accountId);
      const note = changed
        ? `features set: ${changed.map((f) => `${f.Name}=${f.Status}`).join(', ')}`
        : undefined;
      return {
        ...m,
        outcome: m.alreadyEnabled ? 'ALREADY_ENABLED' : 'ENABLED',
        ...(note ? { detail: note } : {}),
      };
    });
    return { region: work.region, members };
  },
});

export const handler = lambdaHandler(applyFeaturesTask);
