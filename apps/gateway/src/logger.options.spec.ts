import { describe, expect, it } from 'vitest';
import { redactUrl } from './logger.options.js';

describe('redactUrl', () => {
  it('removes access_token values wherever they stand in the query', () => {
    expect(redactUrl('/ws?access_token=abc.def.ghi')).toBe('/ws?access_token=[Redacted]');
    expect(redactUrl('/ws?x=1&access_token=abc&y=2')).toBe('/ws?x=1&access_token=[Redacted]&y=2');
    expect(redactUrl('/ws?ACCESS_TOKEN=abc')).toBe('/ws?ACCESS_TOKEN=[Redacted]');
    expect(redactUrl('/api/nodes')).toBe('/api/nodes');
  });
});
