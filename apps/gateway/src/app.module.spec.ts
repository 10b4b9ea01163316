import { describe, expect, it } from 'vitest';
import { ConnectionRegistry, Publisher } from '#libs/gateway';
import { loadConfig } from '#libs/config';
import { HISTORY, TRANSPORT } from '#libs/transport';
import { createGatewayApp } from './bootstrap.js';

/**
 * Guards the build setup itself: if decorator metadata stops being emitted (swc
 * options, a new bundler), Nest constructs providers with `undefined` dependencies
 * and this fails instead of a production node.
 */
describe('dependency injection', () => {
  it('injects real dependencies into the providers', async () => {
    const app = await createGatewayApp(loadConfig({ LOG_LEVEL: 'silent' }));
    try {
      await app.init();
      const transport = app.get(TRANSPORT);
      expect(transport.name).toBe('memory');
      expect(transport.health().ready).toBe(true);
      expect(app.get(HISTORY)).not.toBeNull();
      const registry = app.get(ConnectionRegistry) as unknown as { transport: unknown };
      expect(registry.transport).toBe(transport);
      const publisher = app.get(Publisher) as unknown as Record<string, unknown>;
      for (const dependency of ['config', 'transport', 'metrics', 'traffic']) expect(publisher[dependency]).toBeDefined();
      expect(Reflect.getMetadata('design:paramtypes', ConnectionRegistry)).toHaveLength(2);
    } finally {
      await app.close();
    }
  });
});
