/** The built client bundled into one ES module and minified (rolldown), and that gzipped: bytes. */
export declare function measureClient(): Promise<{ minified: number; gzipped: number }>;
