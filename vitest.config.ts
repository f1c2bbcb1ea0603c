import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**', 'web/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: forked workers, but DB suites each get their own database, so files may run in parallel.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
