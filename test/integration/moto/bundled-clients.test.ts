import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildTaskBundles } from '../../../infra/bundling/task-bundle';
import { MOTO_URL } from '../../moto-server';

interface Out {
  networkAcls: {
    IsDefault?: boolean;
    VpcId?: string;
    Entries?: { RuleNumber?: number; Egress?: boolean; RuleAction?: string }[];
  }[];
  account?: string;
}

/** Runs the bundle's handler in a new Node.js process, as Lambda would load it. */
function invoke(bundle: string, event: { endpoint: string; region: string }): Promise<Out> {
  const script = `require(${JSON.stringify(bundle)}).handler(${JSON.stringify(event)}).then((out) => process.stdout.write(JSON.stringify(out)));`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      { env: { PATH: process.env.PATH } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the bundle failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as Out);
      },
    );
  });
}

/**
 * The SDK clients inside a bundle, built as Warden's functions are (schema files rewritten by the
 * bundling), still write requests and read responses: an EC2 query-protocol call whose response
 * members are named by the rewritten traits (`entrySet`, `default`, `ipv6CidrBlock`...) and an STS
 * call, both against moto, from a new Node.js process that loads the bundle as Lambda does.
 */
describe('bundled SDK clients', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-bundled-clients-'));

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('read EC2 and STS responses into the SDK’s shapes', async () => {
    await buildTaskBundles({
      entries: [
        {
          name: 'index',
          entry: path.join(__dirname, '..', '..', 'infra', 'fixtures', 'bundled-clients-task.ts'),
        },
      ],
      outdir: dir,
    });

    const out = await invoke(path.join(dir, 'index.js'), { endpoint: MOTO_URL, region: 'ap-southeast-2' });

    expect(out.account).toMatch(/^\d{12}$/);
    expect(out.networkAcls.length).toBeGreaterThan(0);
    const [acl] = out.networkAcls;
    expect(acl!.IsDefault).toBe(true);
    expect(acl!.VpcId).toMatch(/^vpc-/);
    expect(acl!.Entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ RuleNumber: 32767, Egress: false, RuleAction: 'deny' }),
        expect.objectContaining({ RuleNumber: 100, Egress: true, RuleAction: 'allow' }),
      ]),
    );
  }, 120_000);
});
