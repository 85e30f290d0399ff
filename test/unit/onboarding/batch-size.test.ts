import { batchSizeFor } from '../../../runtime/onboarding-runner';

describe('batchSizeFor', () => {
  it.each([
    [1, 50],
    [17, 50],
    [18, 47],
    [40, 21],
  ])('puts %i regions × at most %i accounts in one execution', (regions, accounts) => {
    expect(batchSizeFor(regions)).toBe(accounts);
  });
});
