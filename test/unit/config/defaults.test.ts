import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { parseConfig } from '../../../config/load';
import { configReference } from '../../../config/reference';
import { WardenConfigSchema } from '../../../config/schema';
import { EXAMPLE_ORGANIZATION as organization } from '../../fixtures/example-organization';

describe('config defaults', () => {
  it('fills an omitted section from its fields, as if it were given empty', () => {
    const omitted = parseConfig({ organization, response: {} });
    const empty = parseConfig({
      organization,
      response: { approval: {} },
      onboarding: { features: {} },
      notifications: { passwordPolicyBaseline: {} },
      approvals: {},
      audit: {},
    });
    expect(omitted).toEqual(empty);
    expect(omitted.onboarding).toMatchObject({
      mode: 'invitation',
      maxConcurrency: 4,
      findingPublishingFrequency: 'FIFTEEN_MINUTES',
      features: { s3DataEvents: true, runtimeMonitoring: false },
      sweepSchedule: 'rate(6 hours)',
      freeTrialThresholdDays: 7,
      freeTrialSchedule: 'rate(1 day)',
    });
    expect(omitted.response.approval).toEqual({ timeoutMinutes: 60, onTimeout: 'reject' });
    expect(omitted.notifications.passwordPolicyBaseline.minimumPasswordLength).toBe(14);
    expect(omitted.approvals).toMatchObject({
      authorizer: { kind: 'cognito' },
      localApprovers: ['alice', 'bob'],
    });
    expect(omitted.audit).toEqual({ archiveRetentionDays: 2557, objectLock: false });
  });

  it('keeps the fields of a section given in part, filling only the rest', () => {
    const config = parseConfig({ organization, response: { approval: { onTimeout: 'block' } } });
    expect(config.response.approval).toEqual({ timeoutMinutes: 60, onTimeout: 'block' });
  });

  it('states defaults in the schema only, never again in a description', () => {
    const descriptions = JSON.stringify(
      z.toJSONSchema(WardenConfigSchema, { io: 'input', unrepresentable: 'any' }),
    );
    expect(descriptions).not.toContain('@default');
    expect(configReference()).not.toContain('@default');
  });

  it("shows a section's default as its fields' defaults in the reference", () => {
    const row = configReference()
      .split('\n')
      .find((line) => line.startsWith('| `audit` |'));
    expect(row).toBe("| `audit` | object | its fields' defaults |  |");
    expect(configReference()).toContain('| `audit.archiveRetentionDays` | integer 1–36500 | `2557` |');
  });
});
