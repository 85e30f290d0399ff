import { controlTowerLifecyclePattern, guardDutyFindingPattern } from '../../../infra/event-patterns';
import {
  InvalidEventPatternError,
  matchesPattern,
  renderPattern,
} from '../../../runtime/eventbridge/event-pattern';

/** Cases from "Event patterns" and "Comparison operators" in the EventBridge user guide. */
describe('matchesPattern', () => {
  const event = {
    source: 'aws.ec2',
    'detail-type': 'EC2 Instance State-change Notification',
    region: 'us-east-1',
    resources: [
      'arn:aws:ec2:us-east-1:111111111111:instance/i-1',
      'arn:aws:ec2:us-east-1:111111111111:instance/i-2',
    ],
    detail: {
      state: 'running',
      'c-count': 5,
      'source-ip': '10.0.0.7',
      name: 'Report.PNG',
      empty: '',
      nothing: null,
    },
  };

  it('ANDs fields, ORs the values of a field, and is case-sensitive', () => {
    expect(matchesPattern({ source: ['aws.ec2'], detail: { state: ['pending', 'running'] } }, event)).toBe(
      true,
    );
    expect(matchesPattern({ source: ['aws.ec2'], detail: { state: ['pending'] } }, event)).toBe(false);
    expect(matchesPattern({ source: ['AWS.EC2'] }, event)).toBe(false);
  });

  it('matches an array value when any element matches, and fails on a field the event lacks', () => {
    expect(matchesPattern({ resources: ['arn:aws:ec2:us-east-1:111111111111:instance/i-2'] }, event)).toBe(
      true,
    );
    expect(matchesPattern({ detail: { missing: ['x'] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { nothing: [null], empty: [''] } }, event)).toBe(true);
  });

  it('applies prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, cidr and exists', () => {
    expect(matchesPattern({ region: [{ prefix: 'us-' }] }, event)).toBe(true);
    expect(matchesPattern({ detail: { name: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, event)).toBe(
      true,
    );
    expect(matchesPattern({ detail: { state: [{ 'equals-ignore-case': 'RUNNING' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { name: [{ wildcard: 'Rep*.PNG' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { state: [{ 'anything-but': ['running', 'stopped'] }] } }, event)).toBe(
      false,
    );
    expect(matchesPattern({ region: [{ 'anything-but': { prefix: 'eu-' } }] }, event)).toBe(true);
    expect(matchesPattern({ detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { 'c-count': [{ numeric: ['<', 5] }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, event)).toBe(true);
    expect(
      matchesPattern({ detail: { missing: [{ exists: false }], state: [{ exists: true }] } }, event),
    ).toBe(true);
    expect(
      matchesPattern({ $or: [{ region: ['eu-west-1'] }, { detail: { state: ['running'] } }] }, event),
    ).toBe(true);
  });

  it('fails on a pattern EventBridge would refuse', () => {
    expect(() => matchesPattern({ source: 'aws.ec2' }, event)).toThrow(InvalidEventPatternError);
    expect(() => matchesPattern({ source: [{ 'begins-with': 'aws' }] }, event)).toThrow(
      InvalidEventPatternError,
    );
  });

  it('routes with the patterns the stacks deploy', () => {
    const finding = { source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: {} };
    const lifecycle = {
      source: 'aws.controltower',
      'detail-type': 'AWS Service Event via CloudTrail',
      account: '111111111111',
      detail: { eventName: 'CreateManagedAccount' },
    };
    expect(matchesPattern(renderPattern(guardDutyFindingPattern()), finding)).toBe(true);
    expect(matchesPattern(renderPattern(controlTowerLifecyclePattern('111111111111')), lifecycle)).toBe(true);
    expect(matchesPattern(renderPattern(controlTowerLifecyclePattern('333333333333')), lifecycle)).toBe(
      false,
    );
    expect(matchesPattern(renderPattern(guardDutyFindingPattern()), lifecycle)).toBe(false);
  });
});
