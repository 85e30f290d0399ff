import type { ApprovalStore } from '../../../tasks/approval/store';
import { type ApprovalWorld, makeApprovalStoreWorld } from './fixtures';

/**
 * A fresh approval world and its store for every test of the describe that calls this, closed
 * after the test. Tests read `t.w` and `t.store` inside their bodies.
 */
export function approvalStorePerTest(): { readonly w: ApprovalWorld; readonly store: ApprovalStore } {
  const current = {} as { w: ApprovalWorld; store: ApprovalStore };
  beforeEach(async () => {
    Object.assign(current, await makeApprovalStoreWorld());
  });
  afterEach(() => current.w.close());
  return current;
}
