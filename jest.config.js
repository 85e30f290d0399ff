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
  // A worker is told to end after the run and, with nothing left open (the open-handle environment
  // checks every file), leaves in about a millisecond of JavaScript; tearing down a heap of 1.5 to 2 GB
  // then takes 0.3 s on an idle machine and longer on a loaded one, past jest's default 500 ms, after
  // which jest kills it and warns of a leak that is not there.
  workerGracefulExitTimeout: 5000,
};
