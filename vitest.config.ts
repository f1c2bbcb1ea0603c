import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: forked workers, but DB suites each get their own database, so files may run in parallel.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
