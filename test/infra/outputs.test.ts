import { Template } from 'aws-cdk-lib/assertions';
import { OUTPUTS } from '../../infra/outputs';
import { type Json, referencedId, synthWarden } from './helpers';

/**
 * `warden` finds the deployed Warden from the security stack's outputs: every state machine and
 * every table, each output naming the resource itself (a Ref), not a name typed twice.
 */
describe('the security stack outputs', () => {
  const synthesized = synthWarden();
  const template = Template.fromStack(synthesized.security).toJSON() as Json;
  const outputs = template.Outputs as Record<string, { Value: Json }>;
  const resources = template.Resources as Record<string, { Type: string; Properties: Json }>;

  it.each(synthesized.workflows.map((w) => [w.name, w.stateMachineName]))(
    'names the %s workflow’s state machine (%s)',
    (workflow, stateMachineName) => {
      const output = outputs[OUTPUTS.stateMachineArn(workflow)];
      const resource = resources[referencedId(output?.Value) ?? ''];

      expect(output?.Value).toEqual({ Ref: expect.any(String) });
      expect(resource?.Type).toBe('AWS::StepFunctions::StateMachine');
      expect(resource?.Properties.StateMachineName).toBe(stateMachineName);
    },
  );

  it.each(['ledger', 'approvals', 'findings', 'accounts'] as const)('names the %s table', (table) => {
    const output = outputs[OUTPUTS.tableName(table)];
    const id = referencedId(output?.Value) ?? '';

    expect(output?.Value).toEqual({ Ref: id });
    expect(resources[id]?.Type).toBe('AWS::DynamoDB::Table');
  });

  it('names four different tables', () => {
    const ids = (['ledger', 'approvals', 'findings', 'accounts'] as const).map((t) =>
      referencedId(outputs[OUTPUTS.tableName(t)]?.Value),
    );

    expect(new Set(ids).size).toBe(4);
  });

  it('keeps the approval page’s base URL and the topic', () => {
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([OUTPUTS.approvalBaseUrl, OUTPUTS.topicArn, OUTPUTS.historyArchiveBucket]),
    );
  });
});
