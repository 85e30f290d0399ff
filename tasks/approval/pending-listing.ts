import type { PendingApproval } from './store';

/**
 * A pending approval as `warden approvals` lists it, wherever it is read (the local runtime's
 * `/api/approvals` or the approvals table in AWS): the link to its page and what it asks about,
 * never its task token or CSRF nonce.
 */
export interface PendingApprovalListing {
  approvalId: string;
  link: string;
  findingId: string;
  findingType: string;
  severity: number;
  accountId: string;
  region: string;
  addresses: string[];
  createdAt: string;
  expiresAt: string;
}

export function pendingApprovalListing(
  { pk, request, createdAt, expiresAt }: PendingApproval,
  approvalBaseUrl: string,
): PendingApprovalListing {
  return {
    approvalId: pk,
    link: `${approvalBaseUrl}/${pk}`,
    findingId: request.findingId,
    findingType: request.findingType,
    severity: request.severity,
    accountId: request.accountId,
    region: request.region,
    addresses: request.addresses.map((a) => a.cidr),
    createdAt,
    expiresAt,
  };
}
