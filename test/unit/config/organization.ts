/** The smallest valid `organization` section, for config tests (example account ids). */
export const organization = {
  managementAccountId: '111111111111',
  securityAccountId: '222222222222',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1'],
};
