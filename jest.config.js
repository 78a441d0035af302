// Tests run from the TypeScript sources through ts-jest in transpile-only mode (fast);
// `npm test` type-checks everything first (tsconfig.test.json), so nothing is lost.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup-platform.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  // Two cores: one worker per core; long end-to-end tests get their own timeout.
  maxWorkers: 2,
  testTimeout: 60000,
};
