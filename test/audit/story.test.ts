import { describe, expect, it } from '@jest/globals';
import { renderHtml } from '../../audit/render/html';
import { buildStory } from '../../audit/story';
import { entered, event, makeArchive, makeStory } from './fixtures';

describe('buildStory', () => {
  it('tells what it can of an execution with no input, output or events', () => {
    const story = buildStory(makeArchive());

    expect(story).toMatchObject({
      trigger: null,
      triage: null,
      approval: null,
      naclChanges: [],
      onboarding: null,
      errors: [],
      timeline: [],
      outcome: 'succeeded',
    });
    expect(story.execution).toMatchObject({ workflow: 'response', durationSeconds: 1800, historyEvents: 0 });
  });

  it('leaves out a part whose JSON is truncated instead of failing', () => {
    const archive = makeArchive({ events: [entered('Block the addresses in the network ACLs')] });
    archive.execution.input = '{"finding": {"id": "f-';
    archive.events.push({
      id: 2,
      previousEventId: 1,
      timestamp: '2026-03-01T10:00:01.000Z',
      type: 'LambdaFunctionSucceeded',
      lambdaFunctionSucceededEventDetails: { output: '{"results": [' },
    });

    const story = buildStory(archive);

    expect(story.trigger).toBeNull();
    expect(story.naclChanges).toEqual([]);
    expect(story.timeline).toEqual([
      { at: '2026-03-01T10:00:00.000Z', state: 'Block the addresses in the network ACLs', type: 'Task' },
    ]);
  });

  it('reports a waiting approval as PENDING while the execution runs', () => {
    const archive = makeArchive({
      status: 'RUNNING',
      events: [
        entered('Ask a person to approve the block'),
        event('TaskScheduled', { timeoutInSeconds: 1800 }),
      ],
    });

    expect(buildStory(archive).approval).toMatchObject({
      outcome: 'PENDING',
      timeoutSeconds: 1800,
      approver: null,
    });
  });

  it('names the failing state, the error and its cause', () => {
    const archive = makeArchive({
      status: 'FAILED',
      events: [
        entered('Block the addresses in the network ACLs'),
        event(
          'LambdaFunctionFailed',
          { error: 'RuleBandFullError', cause: 'no free rule in 1-90' },
          '2026-03-01T10:00:02.000Z',
        ),
        event(
          'ExecutionFailed',
          { error: 'ResponseFailed', cause: 'see the previous states' },
          '2026-03-01T10:00:03.000Z',
        ),
      ],
    });

    const story = buildStory(archive);

    expect(story.errors).toEqual([
      {
        at: '2026-03-01T10:00:02.000Z',
        state: 'Block the addresses in the network ACLs',
        error: 'RuleBandFullError',
        cause: 'no free rule in 1-90',
      },
      {
        at: '2026-03-01T10:00:03.000Z',
        state: 'Block the addresses in the network ACLs',
        error: 'ResponseFailed',
        cause: 'see the previous states',
      },
    ]);
    expect(story.outcome).toBe('error ResponseFailed');
  });

  it('records an extension when a later lift keeps the block with a later expiry', () => {
    const owned = (expiresAt: string) => ({
      account: '333333333333',
      region: 'eu-west-1',
      naclId: 'acl-00000001',
      cidr: '203.0.113.9/32',
      ruleNumber: 7,
      blockId: 'b',
      expiresAt,
    });
    const block = (expiresAt: string) => ({
      results: [
        {
          naclId: 'acl-00000001',
          subnetIds: [],
          cidr: '203.0.113.9/32',
          outcome: 'BLOCKED',
          ruleNumber: 7,
          detail: '',
        },
      ],
      owned: [owned(expiresAt)],
      lifted: [],
    });
    const archive = makeArchive({
      events: [
        event('LambdaFunctionSucceeded', { output: JSON.stringify(block('2026-03-01T11:00:00.000Z')) }),
        event(
          'LambdaFunctionSucceeded',
          { output: JSON.stringify(block('2026-03-01T12:00:00.000Z')) },
          '2026-03-01T11:00:00.000Z',
        ),
      ],
    });

    expect(buildStory(archive).extensions).toEqual([
      {
        at: '2026-03-01T11:00:00.000Z',
        naclId: 'acl-00000001',
        cidr: '203.0.113.9/32',
        ruleNumber: 7,
        from: '2026-03-01T11:00:00.000Z',
        to: '2026-03-01T12:00:00.000Z',
      },
    ]);
  });
});

describe('renderHtml', () => {
  it('escapes every text from the history', () => {
    const story = makeStory({
      outcome: '<img src=x onerror=alert(1)>',
      execution: { ...makeStory().execution, name: '"><script>x()</script>' },
    });

    const html = renderHtml([story], { source: '<b>src</b>', generatedAt: new Date(0), filters: '' });

    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&gt;&lt;script&gt;x()&lt;/script&gt;');
  });
});
