// One source of truth for how TypeScript becomes JavaScript, shared by the build
// (scripts/build.mjs) and the tests (vitest.config.ts). Nest's dependency injection
// reads constructor types from decorator metadata: without `decoratorMetadata` every
// injected dependency silently arrives as `undefined`.
export const swcOptions = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true, tsx: false },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: true,
};
