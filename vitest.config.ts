import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { swcOptions } from './swc.config.mjs';

export default defineConfig({
  // The `source` condition makes `#libs/*` imports resolve to TypeScript sources
  // (package.json "imports"); the built app resolves them to dist/ instead.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  plugins: [swc.vite({ ...swcOptions, tsconfigFile: false })],
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'packages/*/src/**/*.spec.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', './test/setup/summary-reporter.ts'],
    // The gateway's tests (this config) and the admin dashboard's component tests (jsdom, React).
    projects: [{ extends: true, test: { name: 'node' } }, './admin-ui/vitest.config.ts'],
  },
});
