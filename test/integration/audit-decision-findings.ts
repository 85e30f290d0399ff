/**
 * The findings the decision-record audit tests deliver: low-severity ones the policy ignores (a
 * decision record, no execution) and one it only notifies about (an execution).
 */
export const IGNORED = {
  id: 'ignored-finding-1',
  type: 'Discovery:S3/AnomalousBehavior',
  severity: 2,
  actionType: 'AWS_API_CALL',
} as const;
export const SECOND_IGNORED = {
  id: 'ignored-finding-2',
  type: 'Recon:IAMUser/UserPermissions',
  severity: 1,
  actionType: 'AWS_API_CALL',
} as const;
export const NOTIFIED = {
  id: 'notified-finding-1',
  type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
  severity: 5,
  actionType: 'AWS_API_CALL',
} as const;
