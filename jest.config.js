/** Every test level runs under one `npm test`; moto is started by the global setup when absent. */
module.exports = {
  // Node's environment, failing a file that leaves a handle keeping the process alive.
  testEnvironment: '<rootDir>/test/open-handle-environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // openid-client and the libraries under it ship only ES modules; jest loads CommonJS.
    '/node_modules/(openid-client|oauth4webapi|jose)/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
  setupFiles: ['<rootDir>/runtime/polyfills.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/iam-coverage-setup.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
