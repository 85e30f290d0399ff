import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sessionKeyRing } from '../../../tasks/approval/lambda';
import { CookieSealer, RotatingCookieSealer } from '../../../tasks/approval/sealed-cookies';
import { MOTO_URL } from '../../moto-server';
import { unique } from './moto-organization';

/**
 * The approval page's cookie key ring read from Secrets Manager (moto): the current version seals,
 * the previous one still opens, so rotating the session secret signs nobody out, and an instance
 * started before the rotation picks the new version up when it meets a cookie sealed with it.
 */
let secrets: SecretsManagerClient;

beforeAll(() => {
  secrets = new SecretsManagerClient({
    endpoint: MOTO_URL,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
afterAll(() => secrets.destroy());

describe('sessionKeyRing', () => {
  it('reads only the current version of a secret never rotated', async () => {
    const first = 'a'.repeat(64);
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: unique('session-key'), SecretString: first }),
    );

    const sealer = await sessionKeyRing(secrets, ARN!)();

    expect(sealer.open('session', new CookieSealer(first).seal('session', { n: 1 }))).toEqual({ n: 1 });
  });

  it('after a rotation, seals with the new version and still opens cookies of the previous one', async () => {
    const before = 'b'.repeat(64);
    const after = 'c'.repeat(64);
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: unique('session-key'), SecretString: before }),
    );
    const load = sessionKeyRing(secrets, ARN!);
    const oldInstance = new RotatingCookieSealer(await load(), load);
    const oldCookie = oldInstance.seal('session', { who: 'alice' });

    await secrets.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: after }));
    const newInstance = await load();
    const newCookie = newInstance.seal('session', { who: 'bob' });

    expect(newInstance.open('session', oldCookie)).toEqual({ who: 'alice' });
    expect(new CookieSealer(before).open('session', newCookie)).toBeNull();
    expect(await oldInstance.open('session', newCookie)).toEqual({ who: 'bob' });
    expect(oldInstance.currentKeyId).toBe(newInstance.currentKeyId);
  });
});
