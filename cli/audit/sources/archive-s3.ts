import { GetObjectCommand, paginateListObjectsV2, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DECISION_ARCHIVE_ROOT, type DecisionRecord } from '../../../tasks/response/decision-record';
import { ARCHIVE_ROOT, type ArchivedExecution, parseArchiveKey } from '../../../tasks/shared/archive-format';
import { ArchiveReadError, UsageError } from '../errors';
import type { AuditFilter } from '../filters';
import {
  decidedInRange,
  decisionKeyMayMatch,
  keyMayMatch,
  parseArchive,
  parseArchivedDecision,
} from './archive-parse';
import { describeSdkFailure } from './sdk-errors';
import type { ExecutionSource, ListedExecution } from './source';

export interface S3ArchiveOptions {
  /** `s3://bucket` or `s3://bucket/prefix` (the prefix the archive's `executions/` lies under). */
  url: string;
  region?: string;
  profile?: string;
  /** An S3-compatible endpoint (moto in tests); path-style addressing then. */
  endpoint?: string;
}

/** The S3 archive the ArchiveExecution task writes: listed per workflow by key prefix. */
export class S3ArchiveSource implements ExecutionSource {
  readonly description: string;
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3ArchiveOptions) {
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

  async list(filter: AuditFilter): Promise<ListedExecution[]> {
    const listed: ListedExecution[] = [];
    for (const workflow of filter.workflows) {
      const prefix = `${this.prefix}${ARCHIVE_ROOT}/${workflow.stateMachineName}/`;
      await this.call(`listing ${prefix}`, async () => {
        for await (const page of paginateListObjectsV2(
          { client: this.s3, pageSize: 1000 },
          { Bucket: this.bucket, Prefix: prefix },
        )) {
          for (const object of page.Contents ?? []) {
            const key = object.Key;
            if (!key?.endsWith('.json') || !keyMayMatch(key, filter)) continue;
            const parsed = parseArchiveKey(key);
            listed.push({
              ref: key,
              stateMachine: workflow.stateMachineName,
              name: parsed?.name ?? key,
              status: null,
              startDate: null,
            });
          }
        }
      });
    }
    return listed;
  }

  async read(item: ListedExecution, onEvents: (count: number) => void): Promise<ArchivedExecution> {
    const text = await this.call(`reading ${item.ref}`, async () => {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: item.ref }));
      if (!out.Body) throw new ArchiveReadError(`s3://${this.bucket}/${item.ref} has no body`);
      return out.Body.transformToString('utf8');
    });
    const archive = parseArchive(text, `s3://${this.bucket}/${item.ref}`);
    onEvents(archive.events.length);
    return archive;
  }

  /** Decision records under `decisions/`, when the archive holds any (a copied local archive). */
  async decisions(filter: AuditFilter): Promise<DecisionRecord[]> {
    const prefix = `${this.prefix}${DECISION_ARCHIVE_ROOT}/`;
    const keys: string[] = [];
    await this.call(`listing ${prefix}`, async () => {
      for await (const page of paginateListObjectsV2(
        { client: this.s3, pageSize: 1000 },
        { Bucket: this.bucket, Prefix: prefix },
      )) {
        for (const object of page.Contents ?? []) {
          if (object.Key && decisionKeyMayMatch(object.Key, filter)) keys.push(object.Key);
        }
      }
    });
    const records: DecisionRecord[] = [];
    for (const key of keys) {
      const text = await this.call(`reading ${key}`, async () => {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        if (!out.Body) throw new ArchiveReadError(`s3://${this.bucket}/${key} has no body`);
        return out.Body.transformToString('utf8');
      });
      const record = parseArchivedDecision(text, `s3://${this.bucket}/${key}`);
      if (decidedInRange(record, filter)) records.push(record);
    }
    return records;
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
