// vitest configuration: unit, scenario, property and corpus tests under test/, coverage over src/ and properties/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'properties/**/*.ts'],
      exclude: ['src/cli/**', 'properties/cli/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 98.5, functions: 98, branches: 91, statements: 96.5 },
    },
  },
});
