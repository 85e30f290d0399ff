import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ClientFactory } from '../../../tasks/shared/aws-clients';

/** A minified Lambda bundle renames classes: two SDK clients can end up with one `name`. */
function renamed<T extends abstract new (...args: never[]) => unknown>(Client: T, name: string): T {
  Object.defineProperty(Client, 'name', { value: name });
  return Client;
}

describe('ClientFactory', () => {
  const factory = new ClientFactory({
    ownAccount: '222222222222',
    baseCredentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' },
    endpoint: 'http://127.0.0.1:9',
  });
  afterAll(() => factory.destroy());

  it('keeps one client per class and target, whatever the classes are called', () => {
    class Ec2 extends EC2Client {}
    class Dynamo extends DynamoDBClient {}
    const target = { account: '222222222222', region: 'eu-west-1' };
    const ec2 = factory.client(renamed(Ec2, 'a'), target);
    const dynamo = factory.client(renamed(Dynamo, 'a'), target);

    expect(ec2).toBeInstanceOf(EC2Client);
    expect(dynamo).toBeInstanceOf(DynamoDBClient);
    expect(factory.client(Ec2, target)).toBe(ec2);
    expect(factory.client(Ec2, { ...target, region: 'us-east-1' })).not.toBe(ec2);
  });
});
