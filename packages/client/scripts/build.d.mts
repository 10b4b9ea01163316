/** packages/client: its root, and dist/ where the build writes the ES modules and declarations. */
export declare const CLIENT_ROOT: string;
export declare const CLIENT_DIST: string;
/** Empties dist/ and runs tsc with tsconfig.build.json; throws when tsc fails. */
export declare function buildClient(): void;
