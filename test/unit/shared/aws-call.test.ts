import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { call } from '../../../tasks/shared/aws-call';
import { TransientAwsError } from '../../../tasks/shared/errors';

function awsError(name: string, message = `${name} happened`): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const ROOT = resolve(__dirname, '../../..');

/** Every source file below `tasks/`, relative to the project root. */
function taskSources(dir = join(ROOT, 'tasks')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return taskSources(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path).split(sep).join('/')] : [];
  });
}

describe('call', () => {
  it('returns what the call returns', async () => {
    await expect(call('reading', async () => 42)).resolves.toBe(42);
  });

  it('turns a throttled call into TransientAwsError, named for what was being done', async () => {
    const failure = call('reading the ledger', async () => {
      throw awsError('ThrottlingException', 'Rate exceeded');
    });
    await expect(failure).rejects.toThrow(TransientAwsError);
    await expect(failure).rejects.toThrow('reading the ledger: ThrottlingException: Rate exceeded');
  });

  it('passes any other error unchanged', async () => {
    const denied = awsError('ValidationException');
    await expect(
      call('writing', async () => {
        throw denied;
      }),
    ).rejects.toBe(denied);
  });

  it('answers an expected error with its handler', async () => {
    const out = await call(
      'claiming the row',
      async (): Promise<string> => {
        throw awsError('ConditionalCheckFailedException');
      },
      { ConditionalCheckFailedException: (error) => `taken (${error.name})` },
    );
    expect(out).toBe('taken (ConditionalCheckFailedException)');
  });

  it('classifies an error that no handler names, even when others are expected', async () => {
    await expect(
      call(
        'starting the execution',
        async () => {
          throw awsError('ServiceUnavailable');
        },
        { ExecutionAlreadyExists: () => undefined },
      ),
    ).rejects.toThrow(TransientAwsError);
  });

  it('does not take an inherited property for a handler', async () => {
    const odd = awsError('constructor');
    await expect(
      call(
        'reading',
        async () => {
          throw odd;
        },
        { ExecutionAlreadyExists: () => undefined },
      ),
    ).rejects.toBe(odd);
  });

  it('is the only place in tasks/ that classifies AWS errors', () => {
    const classifying = taskSources().filter((file) =>
      /\bclassifyAwsError\s*\(/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(classifying.sort()).toEqual(['tasks/shared/aws-call.ts', 'tasks/shared/errors.ts']);
  });
});
