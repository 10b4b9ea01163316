/**
 * The one pattern language of channel and method names, in token claims and in channel
 * namespaces alike: `*` (anything), `prefix*` (names starting with prefix, e.g. `chat:*`),
 * or an exact name.
 */
export function patternMatcher(pattern: string): (name: string) => boolean {
  if (pattern === '*') return () => true;
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  return (name) => name === pattern;
}

/** Whether `name` matches any of `patterns`, with the matchers built once. */
export function anyPattern(patterns: readonly string[]): (name: string) => boolean {
  const matchers = patterns.map(patternMatcher);
  return (name) => matchers.some((match) => match(name));
}
