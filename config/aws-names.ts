import * as z from './zod-mini';

/**
 * The shapes of the AWS names Warden reads from config, events and the command line, defined
 * once so that the config, the tasks' contracts and the CLI accept the same values.
 */

/** A 12-digit AWS account id (leading zeros are part of it, so it stays a string). */
export const ACCOUNT_ID = /^\d{12}$/;

/**
 * An AWS region name: `us-east-1`, `eu-central-2`, `ap-southeast-5`, `mx-central-1`, and the
 * names of the other partitions (`cn-north-1`, `us-gov-west-1`, `us-isob-east-1`,
 * `eu-isoe-west-1`, `eusc-de-east-1`). A prefix of two to four letters, one or two words, a number.
 */
export const REGION = /^[a-z]{2,4}(-[a-z]+){1,2}-\d{1,2}$/;

/**
 * The checks themselves, which a string schema of either zod build takes (`.check(...)`): the
 * config schema is classic zod, the tasks' contracts are zod/mini (config/zod-mini.ts).
 */
export const accountIdCheck = z.regex(ACCOUNT_ID, 'must be a 12-digit AWS account id');
export const regionCheck = z.regex(REGION, 'must be an AWS region name such as eu-west-1');

export const accountIdSchema = z.string().check(accountIdCheck);

export const regionSchema = z.string().check(regionCheck);
