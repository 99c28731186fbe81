import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Unit tests import workspace packages from source; end-to-end tests run the built CLI.
const alias = {
  '@berth/core': src('./packages/core/src/index.ts'),
  '@berth/testkit': src('./packages/testkit/src/index.ts'),
  '@berth/store-fs': src('./plugins/store-fs/src/index.ts'),
  '@berth/server': src('./apps/server/src/index.ts'),
  '@berth/registry-distribution': src('./plugins/registry-distribution/src/index.ts'),
  '@berth/builder-dockerfile': src('./plugins/builder-dockerfile/src/index.ts'),
  '@berth/runtime-oci': src('./plugins/runtime-oci/src/index.ts'),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          // Build fixtures hold deliberately hostile symlinks (one climbs to /tmp): never walk them.
          exclude: ['test/fixtures/**', '**/node_modules/**'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
