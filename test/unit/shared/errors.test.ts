import { describe, expect, it } from '@jest/globals';
import { connectionReset } from '../../../runtime/sandbox/faults';
import { classifyAwsError, isTransient, TransientAwsError } from '../../../tasks/shared/errors';

/** A Node system error as the SDK's Node HTTP handler passes it on (renamed TimeoutError for some codes). */
function socketError(code: string, name = 'Error'): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code, name });
}

describe('isTransient', () => {
  it.each([
    ['a reset connection, as the SDK reports it', connectionReset()],
    ['EPIPE renamed TimeoutError', socketError('EPIPE', 'TimeoutError')],
    ['ETIMEDOUT', socketError('ETIMEDOUT')],
    ['ECONNREFUSED', socketError('ECONNREFUSED')],
    ['an unreachable network', socketError('ENETUNREACH')],
    ['a failed DNS lookup retried by the SDK', socketError('EAI_AGAIN')],
    ['a socket timeout with no code', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
  ])('counts %s as transient: the SDKs retry socket-level failures', (_, error) => {
    expect(isTransient(error)).toBe(true);
    expect(() => classifyAwsError(error, 'creating the entry')).toThrow(TransientAwsError);
  });

  it.each([
    ['a client error', Object.assign(new Error('bad'), { name: 'InvalidParameterValue', $fault: 'client' })],
    ['an unknown system error', socketError('EACCES')],
    ['a plain error', new Error('oops')],
    ['no error at all', undefined],
  ])('does not count %s as transient', (_, error) => {
    expect(isTransient(error)).toBe(false);
  });

  it('names what was being done and keeps the connection error as the cause', () => {
    const reset = connectionReset();

    expect(() => classifyAwsError(reset, 'claiming the ledger row')).toThrow(
      'claiming the ledger row: TimeoutError: read ECONNRESET',
    );
    const thrown = (() => {
      try {
        classifyAwsError(reset, 'claiming the ledger row');
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(thrown?.cause).toBe(reset);
  });
});
