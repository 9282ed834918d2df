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
};
