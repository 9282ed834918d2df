/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The client workspace package, from its sources (no build needed to run the tests).
    '^@coupon-code-service/client$': '<rootDir>/packages/client/src/index.ts',
    '^@coupon-code-service/client/(contract|internal)$': '<rootDir>/packages/client/src/$1.ts',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // Finds or starts the test Redis (TEST_REDIS_URL, else 127.0.0.1:6379, else a throwaway one).
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  // For tests and hooks alike. Jest's 5 s default is too short for app start-up and cleanup on a
  // busy 2-core machine running two suites at once; process-level tests set longer ones.
  testTimeout: 30_000,
};
