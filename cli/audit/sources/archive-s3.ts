import { GetObjectCommand, paginateListObjectsV2, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DECISION_ARCHIVE_ROOT } from '../../../tasks/response/decision-record';
import { ARCHIVE_ROOT } from '../../../tasks/shared/archive-format';
import { ArchiveReadError, UsageError } from '../errors';
import type { AuditFilter } from '../filters';
import { type ArchiveObject, ArchiveSource } from './archive-source';
import { describeSdkFailure } from './sdk-errors';

export interface S3ArchiveOptions {
  /** `s3://bucket` or `s3://bucket/prefix` (the prefix the archive's `executions/` lies under). */
  url: string;
  region?: string;
  profile?: string;
  /** An S3-compatible endpoint (moto in tests); path-style addressing then. */
  endpoint?: string;
}

/** The S3 archive the ArchiveExecution task writes: listed per workflow by key prefix. */
export class S3ArchiveSource extends ArchiveSource {
  readonly description: string;
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3ArchiveOptions) {
    super();
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(options.url);
    if (!match)
      throw new UsageError(`--archive must be s3://bucket[/prefix] or a folder, got '${options.url}'`);
    this.bucket = match[1]!;
    const prefix = match[2] ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const config: S3ClientConfig = {
      maxAttempts: 2,
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    };
    if (options.endpoint) {
      config.endpoint = options.endpoint;
      config.forcePathStyle = true;
    }
    if (options.profile) config.profile = options.profile;
    this.s3 = new S3Client(config);
    this.description = `archive s3://${this.bucket}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
  }

  protected async executionObjects(filter: AuditFilter): Promise<ArchiveObject[]> {
    const objects: ArchiveObject[] = [];
    for (const workflow of filter.workflows) {
      const prefix = `${this.prefix}${ARCHIVE_ROOT}/${workflow.stateMachineName}/`;
      for (const key of await this.keysUnder(prefix)) {
        if (key.endsWith('.json')) objects.push({ key, ref: key, stateMachine: workflow.stateMachineName });
      }
    }
    return objects;
  }

  /** Decision records under `decisions/`, when the archive holds any (a copied local archive). */
  protected async decisionObjects(): Promise<ArchiveObject[]> {
    const keys = await this.keysUnder(`${this.prefix}${DECISION_ARCHIVE_ROOT}/`);
    return keys.map((key) => ({ key, ref: key }));
  }

  protected readText(ref: string): Promise<string> {
    return this.call(`reading ${ref}`, async () => {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: ref }));
      if (!out.Body) throw new ArchiveReadError(`${this.where(ref)} has no body`);
      return out.Body.transformToString('utf8');
    });
  }

  protected where(ref: string): string {
    return `s3://${this.bucket}/${ref}`;
  }

  private async keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    await this.call(`listing ${prefix}`, async () => {
      for await (const page of paginateListObjectsV2(
        { client: this.s3, pageSize: 1000 },
        { Bucket: this.bucket, Prefix: prefix },
      )) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      }
    });
    return keys;
  }

  close(): void {
    this.s3.destroy();
  }

  private async call<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ArchiveReadError) throw error;
      throw new ArchiveReadError(describeSdkFailure(error, doing, this.description));
    }
  }
}
